import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, type Card, cardOf, clickActivity, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { Deployment, type InvokeAnswer } from '../helpers/deployment.js';
import { ADELE } from '../helpers/localGraph.js';
import { CONNECTION_NAME } from '../helpers/standins/tokenService.js';

const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';
const ADELE_OBJECT_ID = (teamsActivity({}).from as { aadObjectId: string }).aadObjectId;

/**
 * The conversation starts on A: "appointments", the sign-in card (the pending request kept in Blob storage), then the
 * token exchange, which Teams sends once per client: here to A and B at the same moment. Returns the list that follows.
 */
async function signInOnBoth(d: Deployment): Promise<Card> {
  await d.post('A', teamsActivity({ type: 'message', text: 'appointments' }));
  const [oauth] = await d.connector.waitForCards(1);
  expect(oauth!.activity.attachments![0]!.contentType).toBe(OAUTH_CARD);
  const { tokenExchangeResource } = oauth!.activity.attachments![0]!.content as { tokenExchangeResource: { id: string } };
  const exchange = teamsActivity({ type: 'invoke', name: 'signin/tokenExchange', value: { id: tokenExchangeResource.id, connectionName: CONNECTION_NAME, token: await d.entra.ssoToken(ADELE) } });
  const answers = await Promise.all([d.post('A', exchange), d.post('B', exchange)]);
  for (const a of answers) expect(a.status).toBe(200);
  const cards = await d.connector.waitForCards(2);
  return cardOf(cards[1]!);
}

/** Two instances behind one Azure Bot resource, sharing one Azurite; any activity may land on either. */
describe('several instances sharing Azure Blob storage (Azurite)', () => {
  let d: Deployment;

  /** Presses an Action.Execute on the given instance, as Teams does (inputs merged into data). */
  const press = (instance: string, action: Record<string, unknown>, inputs: Record<string, unknown> = {}) =>
    d.post(instance, clickActivity(action.verb, { ...(action.data as object), ...inputs }));
  const cardIn = (answer: InvokeAnswer): Card => {
    expect(answer).toMatchObject({ status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' } });
    return answer.body!.value!;
  };
  const button = (card: Card, title: string) => actionsOf(card).find((a) => a.title === title)!;
  const postsTo = (appointmentId: string) => d.graph.requests.filter((r) => r.method === 'POST' && r.path.includes(encodeURIComponent(appointmentId)));

  let list: Card;

  beforeAll(async () => {
    // A short turn budget keeps a dead instance's claim short (lease = budget + 1 s), so the restart test is quick.
    d = await Deployment.start(['A', 'B'], { LOG_LEVEL: 'debug', TURN_TIMEOUT_MS: '3000', AUDIT_MESSAGES: 'false' });

    list = await signInOnBoth(d);
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it('processes duplicate token exchanges sent to A and B once: one on-behalf-of call, one list', () => {
    // Both exchanges were answered only after their turns had sent what they send: a second list would be here now.
    expect(d.connector.cardCalls()).toHaveLength(2);
    expect(textsOf(list)[0]).toMatch(/Your upcoming appointments/);
    // botbuilder exchanges each invoke (so every client can be told of a failure), then lets one through.
    expect(d.tokenService.calls.filter((c) => c.op === 'exchange')).toHaveLength(2);
    expect(d.entra.oboCalls()).toHaveLength(1);
  });

  it('runs list on A, Cancel on B, Confirm on A: one Graph cancel, no new token request, every instance agrees afterwards', async () => {
    const cancel = button(list, 'Cancel');
    const { appointmentId } = cancel.data as { appointmentId: string };
    const prompt = cardIn(await press('B', cancel));
    expect(textsOf(prompt)[0]).toBe('Cancel this appointment?');
    // B found A's Graph token in the shared cache: no second exchange with Entra ID.
    expect(d.entra.oboCalls()).toHaveLength(1);

    const confirm = button(prompt, 'Confirm cancellation');
    const outcome = cardIn(await press('A', confirm, { cancellationMessage: 'Sorry, the kitchen is closed that day.' }));
    expect(textsOf(outcome)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, the kitchen is closed that day.']));
    // Teams re-delivers the confirm to B later: same card from the shared ledger, no second cancel.
    const again = cardIn(await press('B', confirm, { cancellationMessage: 'Sorry, the kitchen is closed that day.' }));
    expect(textsOf(again)).toEqual(textsOf(outcome));
    expect(postsTo(appointmentId)).toHaveLength(1);
    expect(postsTo(appointmentId)[0]!.authorization).toMatch(/^Bearer ey/);

    const audit = (await d.audit()).filter((e) => e.appointmentId === appointmentId);
    expect(audit.map((e) => e.outcome).sort()).toEqual(['cancelled', 'repeated']);
    const cancelled = audit.find((e) => e.outcome === 'cancelled')!;
    expect(cancelled).toMatchObject({ userObjectId: ADELE_OBJECT_ID, businessId: (cancel.data as { businessId: string }).businessId, graphRequestId: expect.any(String) });
    // AUDIT_MESSAGES=false: the text sent to the customer stays out of the audit trail.
    expect(cancelled.cancellationMessage).toBeUndefined();
  });

  it('sends one cancel when the same confirm reaches A and B at the same moment; both answer with the outcome', async () => {
    const cancel = actionsOf(list).filter((a) => a.title === 'Cancel')[1]!;
    const { appointmentId } = cancel.data as { appointmentId: string };
    const confirm = button(cardIn(await press('A', cancel)), 'Confirm cancellation');
    const answers = await Promise.all([press('A', confirm, { cancellationMessage: 'Sorry' }), press('B', confirm, { cancellationMessage: 'Sorry' })]);
    for (const answer of answers) expect(textsOf(cardIn(answer))[0]).toBe('✓ Appointment cancelled');
    expect(postsTo(appointmentId)).toHaveLength(1);
    expect(d.graph.store.cancellations.filter((c) => c.appointmentId === appointmentId)).toHaveLength(1);
    expect((await d.audit()).filter((e) => e.appointmentId === appointmentId && e.outcome === 'cancelled')).toHaveLength(1);
  });

  it('an instance killed after Graph cancelled but before it answered: the retried click gets the cancelled card, no second cancel', async () => {
    const cancel = actionsOf(list).filter((a) => a.title === 'Cancel')[2]!;
    const { appointmentId } = cancel.data as { appointmentId: string };
    const confirm = button(cardIn(await press('A', cancel)), 'Confirm cancellation');
    // Graph has cancelled; A dies before the 204 reaches it.
    d.graph.onCancelled = () => d.instance('A').kill();
    await expect(press('A', confirm, { cancellationMessage: 'Sorry, we are closed.' })).rejects.toThrow();
    d.graph.onCancelled = undefined;
    expect(d.graph.store.cancellations.filter((c) => c.appointmentId === appointmentId)).toHaveLength(1);

    // The instance comes back (a new process, nothing in memory); Teams' retry of the click lands on it.
    await d.startInstance('A');
    const retried = cardIn(await press('A', confirm, { cancellationMessage: 'Sorry, we are closed.' }));
    expect(textsOf(retried)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, we are closed.']));
    expect(postsTo(appointmentId)).toHaveLength(1);
    // Recorded once, as finished by the retry on behalf of the interrupted attempt.
    const cancelled = (await d.audit()).filter((e) => e.appointmentId === appointmentId && e.outcome === 'cancelled');
    expect(cancelled).toMatchObject([{ recovered: true }]);
  }, 30_000);

  it('logs JSON lines with turn id, hashed conversation, Graph request-ids and timing, and no token, secret or contact detail', () => {
    const lines = d.logs().map((l) => JSON.parse(l) as Record<string, unknown>);
    const handled = lines.filter((l) => l.msg === 'action handled');
    expect(handled.length).toBeGreaterThan(3);
    for (const line of handled) {
      expect(line).toMatchObject({ turn: expect.any(String), conversation: expect.stringMatching(/^[0-9a-f]{16}$/), ms: expect.any(Number), graphMs: expect.any(Number) });
      expect((line.graphRequestIds as string[]).length).toBe(line.graphCalls);
    }
    expect(lines.filter((l) => l.msg === 'graph call')).toContainEqual(expect.objectContaining({ method: 'POST', status: 204, requestId: expect.any(String), ms: expect.any(Number) }));
    const text = d.logs().join('\n');
    const conversationId = (teamsActivity({}).conversation as { id: string }).id;
    for (const secret of [conversationId, 'Sorry, the kitchen is closed', 'jordanm@contoso.com', '213-555-0199', 'AccountKey=', 'Bearer ', 'eyJ']) {
      expect(text, secret).not.toContain(secret);
    }
  });
});

describe('signing out on one instance (Azurite shared)', () => {
  let d: Deployment;

  beforeAll(async () => {
    d = await Deployment.start(['A', 'B'], { LOG_LEVEL: 'info' });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it("ends the cached sign-in on every instance: B, which had listed from the cached Graph token, asks the Token Service again and Graph nothing", async () => {
    await signInOnBoth(d);
    const getTokens = () => d.tokenService.calls.filter((c) => c.op === 'GetToken').length;
    const asked = getTokens();
    const onB = await d.post('B', clickActivity('appointments.list', {}));
    expect(onB.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    // B went on with the Graph token from the shared cache: no Token Service call.
    expect(getTokens()).toBe(asked);

    const before = d.connector.calls.length;
    await d.post('A', teamsActivity({ type: 'message', text: 'sign out' }));
    await expect.poll(() => d.connector.calls.slice(before).some((c) => c.activity.text?.startsWith("You're signed out"))).toBe(true);
    const graphBefore = d.graph.requests.length;
    const afterSignOut = await d.post('B', clickActivity('appointments.list', {}));
    // B asked the Token Service, which has no token for the user any more: Teams is asked to sign the user in.
    expect(afterSignOut.body).toMatchObject({ statusCode: 401, type: 'application/vnd.microsoft.activity.loginRequest' });
    expect(getTokens()).toBe(asked + 1);
    expect(d.graph.requests).toHaveLength(graphBefore);
  });
});
