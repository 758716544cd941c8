import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type Card, cardOf, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';
import { CONNECTION_NAME } from '../helpers/standins/tokenService.js';

const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

interface OAuthCardContent {
  text?: string;
  connectionName: string;
  tokenExchangeResource?: { id: string; uri: string };
  buttons: { type: string; title: string; value: string }[];
}

describe('Teams single sign-on, on-behalf-of Graph tokens (production mode, every peer a local stand-in)', () => {
  let h: ProductionHarness;

  beforeEach(async () => {
    h = await startProductionBot();
  });
  afterEach(async () => {
    await h.stop();
  });

  /** The OAuthCard the bot last sent. */
  const lastOAuthCard = (): OAuthCardContent => {
    const call = [...h.connector.calls].reverse().find((c) => c.activity.attachments?.[0]?.contentType === OAUTH_CARD);
    if (!call) throw new Error('no OAuthCard sent');
    return call.activity.attachments![0]!.content as unknown as OAuthCardContent;
  };

  const tokenExchange = (id: string, token: string) =>
    h.post(teamsActivity({ type: 'invoke', name: 'signin/tokenExchange', value: { id, connectionName: CONNECTION_NAME, token } }));

  /** Teams personal chat: "appointments", the silent SSO exchange, and the list that follows. */
  const signInAndList = async (upn = ADELE): Promise<Card> => {
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const card = lastOAuthCard();
    const before = h.connector.cardCalls().length;
    const exchange = await tokenExchange(card.tokenExchangeResource!.id, await h.entra.ssoToken(upn));
    expect(exchange.status).toBe(200);
    const calls = await h.connector.waitForCards(before + 1);
    return cardOf(calls.at(-1)!);
  };

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
    expect(graphToken).toMatchObject({ aud: 'https://graph.microsoft.com', scp: 'BookingsAppointment.ReadWrite.All Bookings.Read.All', iss: h.entra.issuer });
    expect(h.oboCalls()).toEqual([expect.objectContaining({ outcome: 'issued', scope: expect.stringContaining('https://graph.microsoft.com/BookingsAppointment.ReadWrite.All') })]);
    expect(h.connector.unauthorizedCalls).toBe(0);
  });

  it('serves a second and third click within the token lifetime from the MSAL cache: no call to the token endpoint', async () => {
    const list = await signInAndList();
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const click = (action: Record<string, unknown>) =>
      h.post(teamsActivity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: action.verb, data: action.data }, trigger: 'manual' } }));
    const prompt = await click(cancel);
    expect(prompt.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const back = actionsOf((prompt.body as { value: Card }).value).find((a) => a.title === 'Back')!;
    expect((await click(back)).body).toMatchObject({ statusCode: 200 });
    expect(h.oboCalls()).toHaveLength(1);
  });
});
