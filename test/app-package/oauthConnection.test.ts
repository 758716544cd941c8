import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actionsOf, cardOf, emulatorActivity, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';
import { BOT_APP_ID } from '../helpers/standins/entra.js';
import { CONNECTION_NAME } from '../helpers/standins/tokenService.js';

/**
 * The OAuth connection's Scopes as infra/botRegistration/azurebot.bicep provisions them, through the whole sign-in
 * (Teams SSO exchange, the sign-in page, the renewal an hour later) against the Token Service and Entra stand-ins,
 * which refuse what Entra refuses: a token for the app itself with the resource named by URI (AADSTS90009).
 */
const repo = new URL('../../', import.meta.url).pathname;
const bicep = readFileSync(join(repo, 'infra/botRegistration/azurebot.bicep'), 'utf8');
/** The scope every connection (F5's and dev/prod's) is given, with BOT_ID filled in. */
const provisioned = (/^var connectionScopes = '(.*)'$/m.exec(bicep)?.[1] ?? '').replace('${botAadAppClientId}', BOT_APP_ID);
/** What the connection had before: the same scope, the resource named by the app's Application ID URI. */
const byUri = `api://botid-${BOT_APP_ID}/access_as_user`;

const TEAMS_USER_ID = (teamsActivity({}).from as { id: string }).id;
const EMULATOR_USER_ID = (emulatorActivity('', {}).from as { id: string }).id;
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

describe("the OAuth connection's scope", () => {
  let h: ProductionHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  const oauthCards = () => h!.connector.calls.filter((c) => c.activity.attachments?.[0]?.contentType === OAUTH_CARD);
  const lastOAuthCard = () => oauthCards().at(-1)!.activity.attachments![0]!.content as { tokenExchangeResource?: { id: string }; buttons: { value: string }[] };

  it('is the bot\'s own access_as_user, the resource named by the app\'s GUID (every connection uses it)', () => {
    expect(provisioned).toBe(`${BOT_APP_ID}/access_as_user`);
    // Both connections of the module (federated for dev/prod, secret for F5) take it.
    expect(bicep.match(/^ +scopes: connectionScopes$/gm)).toHaveLength(2);
    expect(bicep).not.toMatch(/^ +scopes: (?!connectionScopes$)/m);
  });

  it('as provisioned: Teams SSO signs the user in, and an hour later the token renews without a prompt', async () => {
    h = await startProductionBot();
    h.tokenService.connectionScopes = provisioned;
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const before = h.connector.cardCalls().length;
    const exchange = await h.post(teamsActivity({ type: 'invoke', name: 'signin/tokenExchange', value: { id: lastOAuthCard().tokenExchangeResource!.id, connectionName: CONNECTION_NAME, token: await h.entra.ssoToken(ADELE) } }));
    expect(exchange.status).toBe(200);
    const list = cardOf((await h.connector.waitForCards(before + 1)).at(-1)!);
    expect(textsOf(list)[0]).toBe('Your upcoming appointments');

    h.tokenService.expire(TEAMS_USER_ID);
    const showMore = actionsOf(list).find((a) => a.title === 'Show more')!;
    const answer = await h.click(showMore.verb, showMore.data);
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(h.tokenService.calls.filter((c) => c.op === 'GetToken').at(-1)).toEqual(expect.objectContaining({ status: 200 }));
    expect(h.tokenService.calls.filter((c) => c.entra)).toEqual([]);
  });

  it('named by URI: Entra refuses the exchange with AADSTS90009, and after a sign-in on the sign-in page, the renewal', async () => {
    h = await startProductionBot();
    h.tokenService.connectionScopes = byUri;
    // Teams SSO: the exchange is refused, so Teams gets 412 and shows the sign-in button.
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const exchange = await h.post(teamsActivity({ type: 'invoke', name: 'signin/tokenExchange', value: { id: lastOAuthCard().tokenExchangeResource!.id, connectionName: CONNECTION_NAME, token: await h.entra.ssoToken(ADELE) } }));
    expect(exchange.status).toBe(412);
    expect(h.tokenService.calls.filter((c) => c.op === 'exchange')).toEqual([expect.objectContaining({ status: 400, entra: 'invalid_request/90009' })]);

    // The sign-in page (authorization code) passes, as reported of Entra...
    const conversation = 'emulator-uri-scope';
    await h.post(emulatorActivity(conversation, { type: 'message', text: 'appointments' }));
    const code = await h.tokenService.completeSignInPage(lastOAuthCard().buttons[0]!.value, ADELE);
    const before = h.connector.cardCalls().length;
    await h.post(emulatorActivity(conversation, { type: 'message', text: code }));
    expect(textsOf(cardOf((await h.connector.waitForCards(before + 1)).at(-1)!))[0]).toBe('Your upcoming appointments');

    // ...and the renewal an hour later does not: the user is asked to sign in again.
    h.tokenService.expire(EMULATOR_USER_ID, 'emulator');
    const cardsBefore = oauthCards().length;
    await h.post(emulatorActivity(conversation, { type: 'message', text: 'appointments' }));
    expect(h.tokenService.calls.filter((c) => c.op === 'GetToken').at(-1)).toEqual(expect.objectContaining({ status: 404, entra: 'invalid_request/90009' }));
    expect(oauthCards().length).toBe(cardsBefore + 1);
    expect(h.tokenService.signedIn(EMULATOR_USER_ID, 'emulator')).toBe(false);
  });
});
