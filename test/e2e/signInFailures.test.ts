import { afterEach, describe, expect, it } from 'vitest';
import { actionsOf, cardOf, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';

const MISCONFIGURED = "Sign-in to Microsoft Bookings is set up incorrectly, so I can't act for you. Ask the bot's administrator to check its app registration, credential and OAuth connection.";
const NOT_ASSIGNED = "Your organisation hasn't given you access to Bookings Bot. Ask an administrator to assign you to the Bookings Bot app in Microsoft Entra ID (Enterprise applications → Users and groups).";
const TEAMS_USER_ID = (teamsActivity({}).from as { id: string }).id;


/** What a user sees when sign-in cannot work, or stops working, in production mode against the stand-ins. */
describe('sign-in that fails, and how the bot answers', () => {
  let h: ProductionHarness;
  afterEach(async () => {
    await h.stop();
  });

  const click = (verb: string, data: Record<string, unknown> = {}, retry: Record<string, unknown> = {}) => h.click(verb, data, {}, { retry });
  const listAction = { offset: 0, range: 'upcoming', scope: 'mine' };

  it('a Graph 401 (the token revoked) drops the Graph token and asks to sign in once; the retry gets a new token and works', async () => {
    h = await startProductionBot();
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    const list = (await click('appointments.list', listAction)).body.value;
    expect(textsOf(list)[0]).toBe('Your upcoming appointments');
    const details = actionsOf(list).find((a) => a.title === 'Details')!;

    h.graph.revokeTokensOf(ADELE);
    const login = await click(details.verb as string, details.data as Record<string, unknown>);
    expect(login.body).toMatchObject({ statusCode: 401, type: 'application/vnd.microsoft.activity.loginRequest' });
    expect(login.body.value.tokenExchangeResource).toBeDefined();

    // Teams' silent SSO retry of the click: a new on-behalf-of token, and the card.
    const retried = await click(details.verb as string, details.data as Record<string, unknown>, { authentication: { token: await h.entra.ssoToken(ADELE) } });
    expect(textsOf(retried.body.value)[0]).toBe('Appointment details');
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual(['issued', 'issued']);
    // And it stays fixed: the next click needs no new token.
    expect((await click('appointments.list', listAction)).body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(h.entra.oboCalls()).toHaveLength(2);
  });

  it('a typed request after a Graph 401 gets the sign-in card, and the list once the token is exchanged', async () => {
    h = await startProductionBot();
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    expect((await click('appointments.list', listAction)).body.type).toBe('application/vnd.microsoft.card.adaptive');
    h.graph.revokeTokensOf(ADELE);
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const oauth = h.connector.calls.map((c) => c.activity.attachments?.[0]).find((a) => a?.contentType === 'application/vnd.microsoft.card.oauth');
    expect(oauth).toBeDefined();
    const resource = (oauth!.content as { tokenExchangeResource: { id: string } }).tokenExchangeResource;
    const before = h.connector.cardCalls().length;
    const exchange = await h.post(teamsActivity({ type: 'invoke', name: 'signin/tokenExchange', value: { id: resource.id, connectionName: 'bookings-sso', token: await h.entra.ssoToken(ADELE) } }));
    expect(exchange.status).toBe(200);
    expect(textsOf(cardOf((await h.connector.waitForCards(before + 1)).at(-1)!))[0]).toBe('Your upcoming appointments');
  });

  it('a click retried with an SSO token the Token Service will not exchange gets a login request without SSO, so Teams shows the button', async () => {
    h = await startProductionBot();
    const first = await click('appointments.list', listAction);
    expect(first.body).toMatchObject({ statusCode: 401, type: 'application/vnd.microsoft.activity.loginRequest' });
    expect(first.body.value.tokenExchangeResource).toBeDefined();
    const expired = await h.entra.ssoToken(ADELE, -600);
    const retried = await click('appointments.list', listAction, { authentication: { token: expired } });
    expect(retried.body).toMatchObject({ statusCode: 401, type: 'application/vnd.microsoft.activity.loginRequest', value: { buttons: [{ type: 'signin' }] } });
    expect(retried.body.value.tokenExchangeResource).toBeUndefined();
    expect(h.tokenService.calls.filter((c) => c.op === 'exchange').map((c) => c.status)).toEqual([400]);
  });

  it('a click retried with an SSO token while the Token Service hangs is answered within the turn, and a log line says the exchange failed', async () => {
    h = await startProductionBot({ TURN_TIMEOUT_MS: '1000' });
    h.tokenService.delayMs = 5_000;
    const sso = await h.entra.ssoToken(ADELE);
    const retried = await click('appointments.list', listAction, { authentication: { token: sso } });
    // The whole turn went on the exchange: the card says sign-in could not be reached.
    expect(retried.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const noted = h.logs.map((l) => JSON.parse(l) as { msg?: string; what?: string; code?: string }).filter((l) => l.msg === 'failure answered in place');
    expect(noted).toEqual([expect.objectContaining({ what: 'SSO token exchange', code: 'signInUnavailable' })]);
  });

  it('a click retried with a magic code that does not work gets invalidAuthCode', async () => {
    h = await startProductionBot();
    const answer = await click('appointments.list', listAction, { state: '123456' });
    expect(answer.body).toMatchObject({ statusCode: 401, type: 'application/vnd.microsoft.error.invalidAuthCode' });
    expect(h.tokenService.calls.filter((c) => c.op === 'GetToken').at(-1)).toMatchObject({ status: 404, withCode: true });
  });

  const TIMEOUT = 'Microsoft Bookings did not answer in time. Please try again; if the first attempt went through, I will tell you.';
  const UNREACHABLE = "Microsoft's sign-in service could not be reached, so I can't act as you right now. Nothing was changed. Please try again in a moment.";

  it.each([
    ['the Token Service', (harness: ProductionHarness) => (harness.tokenService.delayMs = 8_000), UNREACHABLE],
    ['Entra ID (on-behalf-of)', (harness: ProductionHarness) => (harness.entra.oboDelayMs = 8_000), TIMEOUT],
  ])('%s hanging: the click is answered within the turn budget (TURN_TIMEOUT_MS), not when it answers', async (_name, hang, text) => {
    h = await startProductionBot({ TURN_TIMEOUT_MS: '1500' });
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    hang(h);
    const started = performance.now();
    const answer = await click('appointments.list', listAction);
    // 1.5 s budget; the peer answers only after 8 s.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(textsOf(answer.body.value)).toContain(text);
    expect(actionsOf(answer.body.value).map((a) => a.title)).toContain('Try again');
  });

  it('the Token Service hanging on the sign-in link: the login request is refused within the turn budget, before the Token Service answers', async () => {
    h = await startProductionBot({ TURN_TIMEOUT_MS: '1500' });
    h.tokenService.delayMs = 8_000;
    h.tokenService.delayOnly = ['GetSignInResource'];
    const answer = await click('appointments.list', listAction);
    expect(textsOf(answer.body.value)).toContain(UNREACHABLE);
    // GetToken answered (no token), GetSignInResource had not: a call is recorded once answered.
    expect(h.tokenService.calls.map((c) => c.op)).toEqual(['GetToken']);
  });

  it('"sign out" while the Token Service hangs: the shared token is gone, and the user hears sign-in is unreachable, not "signed out"', async () => {
    h = await startProductionBot({ TURN_TIMEOUT_MS: '1500' });
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    expect((await click('appointments.list', listAction)).body.type).toBe('application/vnd.microsoft.card.adaptive');
    h.tokenService.delayMs = 8_000;
    const before = h.connector.calls.length;
    await h.post(teamsActivity({ type: 'message', text: 'sign out' }));
    const cards = h.connector.calls.slice(before).filter((c) => c.activity.attachments?.length);
    expect(cards.flatMap((c) => textsOf(cardOf(c)))).toContain(UNREACHABLE);
    expect(h.connector.calls.slice(before).map((c) => c.activity.text)).not.toContain("You're signed out. Next time you ask for your appointments, I'll sign you in again.");
    expect(h.tokenService.calls.filter((c) => c.op === 'SignOut')).toEqual([]);
    // The Graph token went first: the next click asks the Token Service again instead of going on with it.
    h.tokenService.delayMs = 0;
    const asked = h.tokenService.calls.filter((c) => c.op === 'GetToken').length;
    await click('appointments.list', listAction);
    expect(h.tokenService.calls.filter((c) => c.op === 'GetToken').length).toBe(asked + 1);
  });

  it('a wrong OAUTH_CONNECTION_NAME is "set up incorrectly", not an outage, and the log says why', async () => {
    h = await startProductionBot({ OAUTH_CONNECTION_NAME: 'no-such-connection' });
    const answer = await click('appointments.list', listAction);
    expect(textsOf(answer.body.value)).toContain(MISCONFIGURED);
    const failed = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'action failed');
    expect(failed).toMatchObject({ code: 'signInMisconfigured', cause: { statusCode: 400 } });
    expect(h.tokenService.calls.at(-1)).toMatchObject({ op: 'GetToken', status: 400 });
  });

  it('a wrong client secret is "set up incorrectly" too', async () => {
    h = await startProductionBot({ MicrosoftAppPassword: 'not-the-secret' });
    // Signed in already, so the answer is the same whether the secret fails first for the bot's own Token Service
    // token or (botbuilder caches that one process-wide, so after an earlier test) for the on-behalf-of exchange.
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    const answer = await click('appointments.list', listAction);
    expect(textsOf(answer.body.value)).toContain(MISCONFIGURED);
    expect(h.entra.calls.map((c) => c.outcome)).toContain('invalid_client/7000215');
    // What an administrator reads in the log (README, "Sign-in"): Entra's error code, not just MSAL's error type.
    const failed = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'action failed');
    expect(failed).toMatchObject({ code: 'signInMisconfigured', cause: { type: 'ServerError', code: 'invalid_client' } });
  });

  it('a user not assigned to the app (AADSTS50105) is told to ask for access, not sent round a consent loop', async () => {
    h = await startProductionBot();
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    h.entra.notAssigned.add(h.entra.user(ADELE).id);
    const answer = await click('appointments.list', listAction);
    expect(answer.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(textsOf(answer.body.value)).toContain(NOT_ASSIGNED);
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual(['invalid_grant/50105']);
  });

  it('the Token Service refusing the bot\'s own token (401: MicrosoftAppId is not the bot resource\'s app) is "set up incorrectly", and the log names the status', async () => {
    h = await startProductionBot();
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    h.tokenService.registeredAppId = '00000000-0000-4000-8000-000000000000';
    const answer = await click('appointments.list', listAction);
    expect(textsOf(answer.body.value)).toContain(MISCONFIGURED);
    // Retrying cannot help: no Try again.
    expect(actionsOf(answer.body.value).map((a) => a.title)).not.toContain('Try again');
    const failed = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'action failed');
    expect(failed).toMatchObject({ code: 'signInMisconfigured', cause: { statusCode: 401 } });
    expect(h.tokenService.calls.map((c) => c.status)).toContain(401);
    expect(h.graph.requests).toHaveLength(0);
  });

  it.each([
    ['installappfailed', 'installappfailed'],
    ['authrequestfailed', 'authrequestfailed'],
    ['a code the bot does not know', 'somethingnew'],
    ['an over-long code (cut to 64 characters)', 'x'.repeat(500)],
  ])('a Teams signin/failure with %s gets the general single sign-on sentence for the admin, naming the code; the code is logged', async (_name, code) => {
    h = await startProductionBot();
    const answer = await h.post(teamsActivity({ type: 'invoke', name: 'signin/failure', value: { code, message: 'SSO failed' } }));
    expect(answer.status).toBe(200);
    const shown = code.slice(0, 64);
    const sentence = `Single sign-on failed in Teams (${shown}). Ask your administrator to check the bot's single sign-on setup. Meanwhile, use the Sign in button.`;
    await expect.poll(() => h.connector.calls.map((c) => c.activity.text)).toContain(sentence);
    expect(h.connector.calls.filter((c) => c.activity.text !== undefined)).toHaveLength(1);
    const warned = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'Teams reported a single sign-on failure');
    expect(warned).toMatchObject([{ signInFailure: shown, channel: 'msteams' }]);
    expect(h.logs.join('')).not.toContain('x'.repeat(65));
  });

  it('a signin/failure without a code string says "unknown", not a crash', async () => {
    h = await startProductionBot();
    const answer = await h.post(teamsActivity({ type: 'invoke', name: 'signin/failure', value: { code: { nested: true } } }));
    expect(answer.status).toBe(200);
    await expect.poll(() => h.connector.calls.map((c) => c.activity.text)).toContain(
      "Single sign-on failed in Teams (unknown). Ask your administrator to check the bot's single sign-on setup. Meanwhile, use the Sign in button.",
    );
  });

  it.each([50076, 50079] as const)('an MFA claims challenge at on-behalf-of time (interaction_required, AADSTS%s) gets the consent card, not another sign-in, for a click and a typed request', async (aadsts) => {
    h = await startProductionBot();
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    h.entra.mfaRequired.set(h.entra.user(ADELE).id, aadsts);
    const CONSENT = 'Microsoft Entra ID needs your consent (or an extra verification) before Bookings Bot may read and cancel Bookings appointments for you. Open Give consent, then press Try again. If your organisation lets only administrators consent, send an administrator the Admin consent link.';

    const answer = await click('appointments.list', listAction);
    expect(answer.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(textsOf(answer.body.value)).toContain(CONSENT);
    expect(actionsOf(answer.body.value).map((a) => a.title)).toEqual(['Give consent', 'Admin consent (for an administrator)', 'Try again']);
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual([`interaction_required/${aadsts}`]);
    expect(h.graph.requests).toHaveLength(0);

    // A typed request: the same card as a message, and no OAuthCard (the Token Service's sign-in cannot satisfy MFA for Graph).
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const [card] = await h.connector.waitForCards(1);
    expect(card!.activity.attachments?.map((a) => a.contentType)).toEqual(['application/vnd.microsoft.card.adaptive']);
    expect(textsOf(cardOf(card!))).toContain(CONSENT);
    expect(h.connector.calls.some((c) => c.activity.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.oauth')).toBe(false);
  });
});
