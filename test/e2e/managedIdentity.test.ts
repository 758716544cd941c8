import { ContainerClient } from '@azure/storage-blob';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, type Card, cardOf, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';
import { BOT_APP_ID, BOT_FRAMEWORK_AUDIENCE, BOT_SECRET, TENANT_ID } from '../helpers/standins/entra.js';
import { LocalManagedIdentity, TOKEN_EXCHANGE_AUDIENCE } from '../helpers/standins/managedIdentity.js';
import { CONNECTION_NAME } from '../helpers/standins/tokenService.js';
import { azuriteForSuite } from '../helpers/suiteAzurite.js';

const MEGAN = 'MeganB@contoso.onmicrosoft.com';
const SHORT_LIVED = { clientId: '9d0b7c3e-4f2a-4e1b-8c6d-2a7f5e9b1c04', principalId: 'f3a1c7d9-6b2e-4d8a-9f05-7c1e3b5a9d62' };
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

/**
 * The App Service's managed-identity endpoint for the whole file: msal-node reads IDENTITY_ENDPOINT and
 * IDENTITY_HEADER from the process's environment (the platform's variables, not the bot's settings) and keeps the
 * source it chose for the life of the process.
 */
const identity = new LocalManagedIdentity();
const savedEnv = { ...process.env };
beforeAll(async () => {
  await identity.start();
  for (const name of Object.keys(process.env)) if (/^(AZURE_|IDENTITY_|MSI_)/.test(name)) delete process.env[name];
  process.env.IDENTITY_ENDPOINT = identity.endpoint;
  process.env.IDENTITY_HEADER = identity.identityHeader;
});
afterAll(async () => {
  process.env = savedEnv;
  await identity.stop();
});

/** The bot as the App Service runs it with the identity: no secret, no certificate; its app trusts only the identity. */
async function startWithIdentity(env: Record<string, string> = {}, clientId = identity.clientId): Promise<ProductionHarness> {
  const h = await startProductionBot({ MicrosoftAppPassword: '', MANAGED_IDENTITY_CLIENT_ID: clientId, ...env });
  h.entra.secrets.clear();
  h.entra.federatedCredentials.push(identity.federatedCredential(clientId));
  return h;
}

/**
 * Teams personal chat: "appointments", the silent SSO exchange, and the list that follows. Adele is the harness's
 * default Teams user (whose clicks `h.click` sends); anyone else gets a chat of their own.
 */
async function signInAndList(h: ProductionHarness, upn: string): Promise<Card> {
  const user = h.entra.user(upn);
  const who = upn === ADELE ? {} : { conversation: { id: `a:${user.id}`, conversationType: 'personal', tenantId: TENANT_ID }, from: { id: `29:${user.id}`, aadObjectId: user.id, name: user.displayName } };
  await h.post(teamsActivity({ type: 'message', text: 'appointments', ...who }));
  const oauth = [...h.connector.calls].reverse().find((c) => c.activity.attachments?.[0]?.contentType === OAUTH_CARD);
  const resource = (oauth!.activity.attachments![0]!.content as { tokenExchangeResource: { id: string } }).tokenExchangeResource;
  const before = h.connector.cardCalls().length;
  const exchange = await h.post(
    teamsActivity({ type: 'invoke', name: 'signin/tokenExchange', ...who, value: { id: resource.id, connectionName: CONNECTION_NAME, token: await h.entra.ssoToken(upn) } }),
  );
  expect(exchange.status).toBe(200);
  return cardOf((await h.connector.waitForCards(before + 1)).at(-1)!);
}

const click = (h: ProductionHarness, action: Record<string, unknown>) => h.click(action.verb, action.data);

/** Every client authentication Entra saw was the identity's token, accepted; and each was a token the identity issued. */
function expectOnlyIdentityAssertions(h: ProductionHarness, principalId = identity.principalId): void {
  expect(h.entra.clientAuthentications.length).toBeGreaterThan(0);
  for (const use of h.entra.clientAuthentications) {
    expect(use).toEqual({ kind: 'federated', issuer: identity.issuer, subject: principalId, tokenId: expect.any(String), outcome: 'accepted' });
    expect(identity.issued).toContain(use.tokenId);
  }
}

describe('no secret to rotate: the bot signs in with its user-assigned managed identity (a federated credential)', () => {
  let h: ProductionHarness;
  afterEach(async () => {
    await h?.stop();
    identity.tokenLifetimeSeconds = 24 * 3600;
  });

  it('lists and cancels over its HTTP endpoint; Bot Connector and on-behalf-of tokens both come against the identity\'s token', async () => {
    h = await startWithIdentity();
    const list = await signInAndList(h, ADELE);
    expect(textsOf(list)[0]).toBe('Your upcoming appointments');

    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const prompt = await click(h, cancel);
    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    const done = await click(h, { ...confirm, data: { ...(confirm.data as object), cancellationMessage: 'Sorry, the kitchen is closed.' } });
    expect(textsOf(done.body.value)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, the kitchen is closed.']));

    // Graph: the cancel, exactly as documented, with the user's on-behalf-of token from this Entra.
    const { businessId, appointmentId } = confirm.data as { businessId: string; appointmentId: string };
    const posts = h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));
    expect(posts.map((r) => [r.path, r.body])).toEqual([
      [`/v1.0/solutions/bookingBusinesses/${encodeURIComponent(businessId)}/appointments/${encodeURIComponent(appointmentId)}/cancel`, { cancellationMessage: 'Sorry, the kitchen is closed.' }],
    ]);
    expect(h.graph.store.cancellations).toEqual([expect.objectContaining({ businessId, appointmentId, by: ADELE })]);
    expect(new Set(h.graph.requests.map((r) => r.user))).toEqual(new Set([ADELE]));
    const oboToken = posts[0]!.authorization!.replace(/^Bearer /, '');
    expect(decodeJwt(oboToken)).toMatchObject({ aud: 'https://graph.microsoft.com', iss: h.entra.issuer, appid: BOT_APP_ID, oid: h.entra.user(ADELE).id, scp: 'BookingsAppointment.ReadWrite.All Bookings.Read.All User.Read' });
    expect(await h.entra.verify(oboToken, 'https://graph.microsoft.com')).toMatchObject({ expired: false, user: { userPrincipalName: ADELE } });

    // Entra: the Bot Connector token (client credentials) and the on-behalf-of exchange, each with the identity's token.
    expect(h.entra.calls.map((c) => [c.grantType, c.outcome])).toEqual(
      expect.arrayContaining([
        ['client_credentials', 'issued'],
        ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'issued'],
      ]),
    );
    expect(h.entra.calls.every((c) => c.outcome === 'issued')).toBe(true);
    expectOnlyIdentityAssertions(h);
    expect(h.connector.unauthorizedCalls).toBe(0);

    // The identity endpoint: App Service's protocol, for the token-exchange audience, as the user-assigned identity.
    expect(identity.requests.length).toBeGreaterThan(0);
    for (const request of identity.requests) {
      expect(request).toEqual({ method: 'GET', apiVersion: '2019-08-01', resource: TOKEN_EXCHANGE_AUDIENCE, clientId: identity.clientId, headerMatched: true, outcome: 'issued' });
    }

    const logs = h.logs.join('');
    expect(logs).toContain('"credential":"managedIdentity"');
    expect(logs).toContain('"managedIdentitySource":"AppService"');
    expect(logs).not.toMatch(/eyJ[\w-]{10,}\./);
  });

  it('is an app whose secret Entra refuses: the stand-in is set up as the real app is, with no secret', async () => {
    h = await startWithIdentity();
    const tokenEndpoint = `${h.entra.url}/${TENANT_ID}/oauth2/v2.0/token`;
    const post = async (form: Record<string, string>) => {
      const response = await fetch(tokenEndpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
      return { status: response.status, body: (await response.json()) as { error: string; error_codes: number[] } };
    };
    const clientCredentials = { grant_type: 'client_credentials', client_id: BOT_APP_ID, scope: `${BOT_FRAMEWORK_AUDIENCE}/.default` };
    expect(await post({ ...clientCredentials, client_secret: BOT_SECRET })).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [7000215] } });
    expect(await post(clientCredentials)).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [7000218] } });
    // The identity's token for another audience matches no federated credential of the app.
    const other = await fetch(`${identity.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent('https://management.azure.com')}&client_id=${identity.clientId}`, { headers: { 'X-IDENTITY-HEADER': identity.identityHeader } });
    const { access_token: armToken } = (await other.json()) as { access_token: string };
    const assertion = { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: armToken };
    expect(await post({ ...clientCredentials, ...assertion })).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [700212] } });
    expect(h.entra.clientAuthentications.map((a) => [a.kind, a.outcome])).toEqual([
      ['secret', 'invalid_client/7000215'],
      ['none', 'invalid_client/7000218'],
      ['federated', 'invalid_client/700212'],
    ]);
  });

  it('renews the assertion: once the identity\'s token has expired, Entra gets a new one, never the old', async () => {
    // Tokens of 3 s: MSAL's managed-identity cache renews any token within 5 minutes of its expiry, so none is reused;
    // and Entra's stand-in allows no clock skew, so an assertion kept past its expiry would be refused. A second
    // identity, of which MSAL's process-wide cache holds no 24-hour token from the tests above.
    identity.tokenLifetimeSeconds = 3;
    identity.assign(SHORT_LIVED.clientId, SHORT_LIVED.principalId);
    h = await startWithIdentity({}, SHORT_LIVED.clientId);
    expect(textsOf(await signInAndList(h, ADELE))[0]).toBe('Your upcoming appointments');
    const first = h.entra.clientAuthentications.length;
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(textsOf(await signInAndList(h, MEGAN))[0]).toBe('Your upcoming appointments');
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual(['issued', 'issued']);
    expectOnlyIdentityAssertions(h, SHORT_LIVED.principalId);
    const later = h.entra.clientAuthentications.slice(first);
    expect(later.length).toBeGreaterThan(0);
    const earlier = new Set(h.entra.clientAuthentications.slice(0, first).map((a) => a.tokenId));
    for (const use of later) expect(earlier.has(use.tokenId)).toBe(false);
  });

  it('fails with one coded error, signInMisconfigured, when the identity endpoint refuses (the identity is not assigned here)', async () => {
    h = await startWithIdentity({ MANAGED_IDENTITY_CLIENT_ID: '11111111-2222-4333-8444-555555555555' });
    // Whichever asks first, the Bot Connector (unless botbuilder cached its token, process-wide, in a test above) or
    // the on-behalf-of exchange, gets the identity endpoint's refusal as the one coded error; Entra is never called.
    await signInAndList(h, ADELE).catch(() => undefined);
    expect(h.entra.calls).toEqual([]);
    expect(h.graph.requests).toEqual([]);
    expect(identity.requests.at(-1)).toMatchObject({ clientId: '11111111-2222-4333-8444-555555555555', outcome: '400' });
    const failures = h.logs.filter((line) => line.includes('"code":"signInMisconfigured"'));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.join('')).toContain('"cause":{"type":"ServerError"');
  });
});

describe('the key root with several instances: created once in the shared storage, read by every instance', () => {
  const azurite = azuriteForSuite();
  let h: ProductionHarness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it('creates keys/root-v1 in the container at start, and signs grants and seals Graph tokens with it: a list and a cancel work', async () => {
    h = await startWithIdentity({ STORAGE_CONNECTION_STRING: azurite.connectionString, STORAGE_CONTAINER: 'identity-keys' });
    const container = new ContainerClient(azurite.connectionString, 'identity-keys');
    const root = JSON.parse((await container.getBlockBlobClient('keys%2Froot-v1').downloadToBuffer()).toString('utf8')) as { root: string };
    expect(Buffer.from(root.root, 'base64')).toHaveLength(32);

    const list = await signInAndList(h, ADELE);
    const prompt = await click(h, actionsOf(list).find((a) => a.title === 'Cancel')!);
    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    const done = await click(h, { ...confirm, data: { ...(confirm.data as object), cancellationMessage: 'Sorry.' } });
    expect(textsOf(done.body.value)).toContain('✓ Appointment cancelled');
    expect(h.graph.store.cancellations).toHaveLength(1);
    // The Graph token went to the shared cache, sealed: no token in the container in the clear.
    const blobs: string[] = [];
    for await (const blob of container.listBlobsFlat()) blobs.push(blob.name);
    expect(blobs).toEqual(expect.arrayContaining(['keys%2Froot-v1', expect.stringMatching(/^graphTokens%2F/)]));
    for (const name of blobs.filter((n) => n.startsWith('graphTokens'))) {
      expect((await container.getBlockBlobClient(name).downloadToBuffer()).toString('utf8')).not.toMatch(/eyJ[\w-]{10,}\./);
    }
  });
});
