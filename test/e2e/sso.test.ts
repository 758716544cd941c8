import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import selfsigned from 'selfsigned';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type Card, cardOf, emulatorActivity, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';
import { BOT_APP_ID, BOT_SECRET, TENANT_ID } from '../helpers/standins/entra.js';
import { CONNECTION_NAME } from '../helpers/standins/tokenService.js';


const TEAMS_USER_ID = (teamsActivity({}).from as { id: string }).id;
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

interface OAuthCardContent {
  text?: string;
  connectionName: string;
  tokenExchangeResource?: { id: string; uri: string };
  buttons: { type: string; title: string; value: string }[];
}

/** The OAuthCard the bot last sent. */
function lastOAuthCardOf(h: ProductionHarness): OAuthCardContent {
  const call = [...h.connector.calls].reverse().find((c) => c.activity.attachments?.[0]?.contentType === OAUTH_CARD);
  if (!call) throw new Error('no OAuthCard sent');
  return call.activity.attachments![0]!.content as unknown as OAuthCardContent;
}

function tokenExchangeIn(h: ProductionHarness, id: string, token: string) {
  return h.post(teamsActivity({ type: 'invoke', name: 'signin/tokenExchange', value: { id, connectionName: CONNECTION_NAME, token } }));
}

/** Teams personal chat: "appointments", the silent SSO exchange, and the list that follows. */
async function signInAndListIn(h: ProductionHarness, upn: string): Promise<Card> {
  await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
  const card = lastOAuthCardOf(h);
  const before = h.connector.cardCalls().length;
  const exchange = await tokenExchangeIn(h, card.tokenExchangeResource!.id, await h.entra.ssoToken(upn));
  expect(exchange.status).toBe(200);
  const calls = await h.connector.waitForCards(before + 1);
  return cardOf(calls.at(-1)!);
}

describe('Teams single sign-on, on-behalf-of Graph tokens (production mode, every peer a local stand-in)', () => {
  let h: ProductionHarness;

  beforeEach(async () => {
    h = await startProductionBot();
  });
  afterEach(async () => {
    await h.stop();
  });

  const lastOAuthCard = () => lastOAuthCardOf(h);
  const tokenExchange = (id: string, token: string) => tokenExchangeIn(h, id, token);
  const signInAndList = (upn = ADELE) => signInAndListIn(h, upn);

  it('answers a first message with an OAuthCard for silent SSO, then completes the list after the token exchange, calling Graph as the user', async () => {
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const card = lastOAuthCard();
    expect(card).toMatchObject({ connectionName: CONNECTION_NAME, tokenExchangeResource: { uri: expect.stringMatching(/^api:\/\/botid-/) } });
    expect(card.buttons[0]).toMatchObject({ type: 'signin', title: 'Sign in', value: expect.stringContaining(h.tokenService.url) });
    expect(h.graph.requests).toHaveLength(0);

    const before = h.connector.cardCalls().length;
    const exchange = await tokenExchange(card.tokenExchangeResource!.id, await h.entra.ssoToken(ADELE));
    expect(exchange).toEqual({ status: 200, body: { id: card.tokenExchangeResource!.id, connectionName: CONNECTION_NAME, failureDetail: null } });
    const list = cardOf((await h.connector.waitForCards(before + 1)).at(-1)!);
    expect(textsOf(list)[0]).toBe('Your upcoming appointments');

    expect(h.graph.requests.length).toBeGreaterThan(0);
    expect(new Set(h.graph.requests.map((r) => r.user))).toEqual(new Set([ADELE]));
    const graphToken = JSON.parse(Buffer.from(h.graph.requests[0]!.authorization!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(graphToken).toMatchObject({ aud: 'https://graph.microsoft.com', scp: 'BookingsAppointment.ReadWrite.All Bookings.Read.All User.Read', iss: h.entra.issuer });
    expect(h.entra.oboCalls()).toEqual([expect.objectContaining({ outcome: 'issued', scope: expect.stringContaining('https://graph.microsoft.com/BookingsAppointment.ReadWrite.All') })]);
    expect(h.connector.unauthorizedCalls).toBe(0);
  });

  it('asks a user writing in Chinese to sign in, in Chinese', async () => {
    await h.post(teamsActivity({ type: 'message', text: '我的预约' }, { locale: 'zh-CN' }));
    expect(lastOAuthCard()).toMatchObject({ text: expect.stringContaining('请使用工作帐户登录'), buttons: [{ title: '登录' }] });
  });

  it('serves a second and third click within the token lifetime from the MSAL cache: no call to the token endpoint', async () => {
    const list = await signInAndList();
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const prompt = await click(cancel);
    expect(prompt.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const back = actionsOf((prompt.body as { value: Card }).value).find((a) => a.title === 'Back')!;
    expect((await click(back)).body).toMatchObject({ statusCode: 200 });
    expect(h.entra.oboCalls()).toHaveLength(1);
  });

  it("asks the Token Service nothing on a signed-in user's next clicks: the Graph token cached for the user answers (issue 16)", async () => {
    const list = await signInAndList();
    const getTokens = () => h.tokenService.calls.filter((c) => c.op === 'GetToken').length;
    const asked = getTokens();
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const prompt = await click(cancel);
    expect(textsOf(prompt.body.value)[0]).toBe('Cancel this appointment?');
    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    const done = await click({ ...confirm, data: { ...(confirm.data as object), cancellationMessage: 'Sorry, we are closed.' } });
    expect(textsOf(done.body.value)[0]).toContain('Appointment cancelled');
    expect(textsOf((await h.click('appointments.list', {})).body.value)[0]).toBe('Your upcoming appointments');
    expect(getTokens()).toBe(asked);
    expect(h.entra.oboCalls()).toHaveLength(1);
    // Graph was called as the user, with the one on-behalf-of token.
    const tokens = new Set(h.graph.requests.map((r) => r.authorization));
    expect(tokens.size).toBe(1);
    expect(h.graph.requests.every((r) => r.user === ADELE)).toBe(true);
  });

  it('goes to the Token Service again once the cached Graph token is due for renewal', async () => {
    // Entra's tokens live 4 minutes: inside the 5-minute renewal margin from the start, so none is ever fresh.
    h.entra.graphTokenLifetimeSeconds = 240;
    await signInAndList();
    const getTokens = () => h.tokenService.calls.filter((c) => c.op === 'GetToken').length;
    const asked = getTokens();
    for (let n = 0; n < 3; n++) expect(textsOf((await h.click('appointments.list', {})).body.value)[0]).toBe('Your upcoming appointments');
    expect(getTokens()).toBe(asked + 3);
  });

  /** Presses an Action.Execute as Teams does; `extra` carries a retry's authentication or state. */
  const click = (action: Record<string, unknown>, retry: Record<string, unknown> = {}) => h.click(action.verb, action.data, {}, { retry });

  const signOut = async () => {
    await h.post(teamsActivity({ type: 'message', text: 'sign out' }));
    await expect.poll(() => h.connector.calls.some((c) => c.activity.text?.startsWith("You're signed out"))).toBe(true);
  };

  it('handles the duplicate token exchanges of several Teams clients once: both get 200, the list comes once', async () => {
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const { id } = lastOAuthCard().tokenExchangeResource!;
    const token = await h.entra.ssoToken(ADELE);
    const before = h.connector.cardCalls().length;
    const answers = await Promise.all([tokenExchange(id, token), tokenExchange(id, token)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    // Each exchange is answered after its turn has sent what it sends: a second list would already be here.
    expect(h.connector.cardCalls()).toHaveLength(before + 1);
    expect(h.entra.oboCalls()).toHaveLength(1);
  });

  it('answers a token exchange it cannot complete with 412 and the request id, so Teams falls back to the sign-in card', async () => {
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const { id } = lastOAuthCard().tokenExchangeResource!;
    const expired = await h.entra.ssoToken(ADELE, -120);
    const before = h.connector.calls.length;
    const answer = await tokenExchange(id, expired);
    expect(answer).toEqual({ status: 412, body: { id, connectionName: CONNECTION_NAME, failureDetail: expect.any(String) } });
    expect(h.connector.calls).toHaveLength(before);
    expect(h.graph.requests).toHaveLength(0);
  });

  it('asks for sign-in inside the card when a click has no usable token, and completes the click when Teams retries with the SSO token', async () => {
    const list = await signInAndList();
    await signOut();
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const login = await click(cancel);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({
      statusCode: 401,
      type: 'application/vnd.microsoft.activity.loginRequest',
      value: { connectionName: CONNECTION_NAME, tokenExchangeResource: { id: expect.any(String), uri: `api://botid-${BOT_APP_ID}` }, buttons: [{ type: 'signin', value: expect.stringContaining(h.tokenService.url) }] },
    });
    const retried = await click(cancel, { authentication: { id: (login.body.value.tokenExchangeResource as { id: string }).id, connectionName: CONNECTION_NAME, token: await h.entra.ssoToken(ADELE) } });
    expect(retried.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(textsOf(retried.body.value)[0]).toBe('Cancel this appointment?');
  });

  /** What a browser does with a consent link: the person signs in as `upn`; Entra answers with a redirect or a page. */
  const openConsentLink = (link: string, upn: string) => fetch(`${link}&login_hint=${encodeURIComponent(upn)}`, { redirect: 'manual' });
  const linksOf = (card: Card): Record<string, string> =>
    Object.fromEntries(actionsOf(card).filter((a) => a.type === 'Action.OpenUrl').map((a) => [String(a.title), String(a.url)]));

  it('tells a user whose consent is missing what to do, with a consent link that Entra honours, and Try again completes the action', async () => {
    h.entra.withoutConsent.add(h.entra.user(ADELE).id);
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const before = h.connector.cardCalls().length;
    await tokenExchange(lastOAuthCard().tokenExchangeResource!.id, await h.entra.ssoToken(ADELE));
    const consentCard = cardOf((await h.connector.waitForCards(before + 1)).at(-1)!);
    expect(textsOf(consentCard)).toEqual(expect.arrayContaining([expect.stringContaining('Microsoft Entra ID needs your consent')]));
    // Not another sign-in card: the Token Service's sign-in never grants Graph's permissions (it would loop).
    expect(h.connector.cardCalls().slice(before).some((c) => c.activity.attachments?.[0]?.contentType === OAUTH_CARD)).toBe(false);
    const links = linksOf(consentCard);
    expect(Object.keys(links)).toEqual(['Give consent', 'Admin consent (for an administrator)']);
    const give = new URL(links['Give consent']!);
    expect(give.origin + give.pathname).toBe(`${h.entra.url}/${TENANT_ID}/oauth2/v2.0/authorize`);
    expect(give.searchParams.get('client_id')).toBe(BOT_APP_ID);
    expect(give.searchParams.get('scope')).toContain('https://graph.microsoft.com/BookingsAppointment.ReadWrite.All');
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual(['invalid_grant/65001']);

    // Signing in at the Token Service again would not help: its page grants only the connection's own scope.
    expect((await openConsentLink(links['Give consent']!, ADELE)).status).toBe(302);
    const tryAgain = actionsOf(consentCard).find((a) => a.title === 'Try again')!;
    const retried = await click(tryAgain);
    expect(textsOf(retried.body.value)[0]).toBe('Your upcoming appointments');
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual(['invalid_grant/65001', 'issued']);
  });

  it('in a tenant where only administrators consent: the user link says so, the admin link grants it, and Try again works', async () => {
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    h.entra.withoutConsent.add(h.entra.user(ADELE).id);
    h.entra.userConsentAllowed = false;
    const answer = await click({ verb: 'appointments.list', data: { offset: 0 } });
    expect(answer.body.type).toBe('application/vnd.microsoft.card.adaptive');
    const links = linksOf(answer.body.value);
    const userTry = await openConsentLink(links['Give consent']!, ADELE);
    expect(await userTry.json()).toMatchObject({ error_codes: [90094] });
    expect(textsOf((await click({ verb: 'appointments.list', data: { offset: 0 } })).body.value)).toEqual(expect.arrayContaining([expect.stringContaining('needs your consent')]));

    const admin = await fetch(links['Admin consent (for an administrator)']!, { redirect: 'manual' });
    expect(admin.headers.get('location')).toContain('admin_consent=True');
    const tryAgain = actionsOf(answer.body.value).find((a) => a.title === 'Try again')!;
    expect(textsOf((await click(tryAgain)).body.value)[0]).toBe('Your upcoming appointments');
  });

  it('renews an expired user token silently: the next click works with no sign-in prompt', async () => {
    const list = await signInAndList();
    h.tokenService.expire(TEAMS_USER_ID);
    const showMore = actionsOf(list).find((a) => a.title === 'Show more')!;
    const answer = await click(showMore);
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    // The renewed user token is the same user's: the Graph token they already have is still good.
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual(['issued']);
    expect(h.tokenService.calls.filter((c) => c.op === 'GetToken').at(-1)).toMatchObject({ status: 200 });
  });

  it('signs out of the Token Service and drops the cached Graph tokens; the next request signs in again', async () => {
    await signInAndList();
    await signOut();
    expect(h.tokenService.calls.filter((c) => c.op === 'SignOut')).toHaveLength(1);
    expect(h.tokenService.signedIn(TEAMS_USER_ID)).toBe(false);
    expect(h.logs.join('')).not.toMatch(/unhandled/);

    const before = h.connector.calls.length;
    await h.post(teamsActivity({ type: 'message', text: 'logout' }));
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    await expect.poll(() => h.connector.calls.length).toBeGreaterThan(before + 1);
    expect(lastOAuthCard().tokenExchangeResource).toBeDefined();
  });

  it('says what the admin must fix when Teams reports an SSO failure, and logs the reason', async () => {
    const answer = await h.post(teamsActivity({ type: 'invoke', name: 'signin/failure', value: { code: 'resourcematchfailed', message: 'Resource match failed' } }));
    expect(answer.status).toBe(200);
    await expect.poll(() => h.connector.calls.find((c) => c.activity.text?.includes('webApplicationInfo.resource'))).toBeDefined();
    expect(h.logs.some((l) => l.includes('"signInFailure":"resourcematchfailed"'))).toBe(true);
  });

  it('says so when a magic code from the sign-in page is wrong, and keeps the pending request', async () => {
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const verify = await h.post(teamsActivity({ type: 'invoke', name: 'signin/verifyState', value: { state: '000000' } }));
    expect(verify.status).toBe(404);
    await expect.poll(() => h.connector.calls.some((c) => c.activity.text?.startsWith("Sign-in didn't complete"))).toBe(true);
  });

  it('signs an Emulator user in with the sign-in link and the six-digit magic code, then shows the list', async () => {
    const conversation = 'emulator-sso-1';
    await h.post(emulatorActivity(conversation, { type: 'message', text: 'appointments' }));
    const card = lastOAuthCard();
    expect(card.buttons[0]).toMatchObject({ type: 'openUrl', title: 'Sign in' });
    const code = await h.tokenService.completeSignInPage(card.buttons[0]!.value, ADELE);
    const before = h.connector.cardCalls().length;
    await h.post(emulatorActivity(conversation, { type: 'message', text: code }));
    const list = cardOf((await h.connector.waitForCards(before + 1)).at(-1)!);
    expect(textsOf(list)[0]).toBe('Your upcoming appointments');
    expect(h.graph.requests.every((r) => r.user === ADELE)).toBe(true);
  });

  it('rejects activities without a valid Bot Framework token with 401 and answers nothing', async () => {
    const activity = teamsActivity({ type: 'message', text: 'appointments' });
    const now = Math.floor(Date.now() / 1000);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ serviceurl: h.connector.url })
      .setProtectedHeader({ alg: 'RS256', kid: 'local-channel-1' })
      .setIssuer('https://api.botframework.com')
      .setAudience(BOT_APP_ID)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    for (const authorization of ['', 'Bearer not.a.jwt', `Bearer ${forged}`, await h.connector.channelAuthorization(h.connector.url, '00000000-0000-0000-0000-000000000000')]) {
      expect((await h.post(activity, { Authorization: authorization })).status, authorization.slice(0, 20)).toBe(401);
    }
    expect(h.connector.calls).toEqual([]);
    expect(h.tokenService.calls).toEqual([]);
  });

  it('never logs a token or the secret during a full sign-in, list and cancel', async () => {
    const list = await signInAndList();
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const prompt = await click(cancel);
    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    const done = await click({ verb: confirm.verb, data: { ...(confirm.data as object), cancellationMessage: 'Sorry, the kitchen is closed.' } });
    expect(textsOf(done.body.value)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, the kitchen is closed.']));
    expect(h.graph.store.cancellations).toHaveLength(1);
    const logs = h.logs.join('');
    expect(logs).not.toContain('Sorry, the kitchen is closed.');
    expect(logs).not.toMatch(/eyJ[\w-]{10,}\./);
    expect(logs).not.toContain(BOT_SECRET);
    expect(logs).not.toMatch(/@(contoso|fabrikam)\.com/i);
  });
});

describe('sign-in with a certificate instead of a client secret', () => {
  it('gets both the Bot Connector token and the users\' Graph tokens with client assertions signed by the certificate', async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'bookings-bot' }], { keySize: 2048, algorithm: 'sha256' });
    const der = Buffer.from(pems.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const keyFile = join(mkdtempSync(join(tmpdir(), 'bot-cert-')), 'bot.key.pem');
    writeFileSync(keyFile, pems.private);
    const h = await startProductionBot({
      MicrosoftAppPassword: '',
      MicrosoftAppCertificateThumbprint: createHash('sha256').update(der).digest('hex'),
      MicrosoftAppCertificateKeyFile: keyFile,
    });
    try {
      h.entra.certificates.push(createPublicKey(pems.cert));
      expect(textsOf(await signInAndListIn(h, ADELE))[0]).toBe('Your upcoming appointments');
      expect(h.entra.calls.filter((c) => c.grantType !== 'client_credentials').map((c) => c.outcome)).toEqual(['issued']);
      expect(h.entra.calls.every((c) => c.outcome === 'issued')).toBe(true);
    } finally {
      await h.stop();
    }
  });
});

describe('a multi-tenant bot', () => {
  // (Its own Bot Connector token comes from botframework.com; botbuilder caches that token process-wide, so which
  // tenant served it cannot be observed here reliably.)
  it('gets each user\'s Graph token from the user\'s own tenant', async () => {
    const h = await startProductionBot({ MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' });
    try {
      expect(textsOf(await signInAndListIn(h, ADELE))[0]).toBe('Your upcoming appointments');
      const tenantOf = (grant: string) => [...new Set(h.entra.calls.filter((c) => c.grantType.endsWith(grant)).map((c) => c.tenant))];
      expect(tenantOf('jwt-bearer')).toEqual([(teamsActivity({}).conversation as { tenantId: string }).tenantId]);
    } finally {
      await h.stop();
    }
  });
});
