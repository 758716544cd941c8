import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportRows } from '../../src/audit/report.js';
import { actionsOf, type Card, textsOf } from '../helpers/botHarness.js';
import { Deployment, type InvokeAnswer } from '../helpers/deployment.js';
import { BOT_APP_ID, LocalEntra, TENANT_ID } from '../helpers/standins/entra.js';
import { CONNECTION_NAME } from '../helpers/standins/tokenService.js';
import { type SyntheticUser, syntheticTenant } from '../helpers/syntheticTenant.js';

const USERS = 200;
const GRAPH_LATENCY_MS = 20;
/** Every 20th Graph request is throttled: 5%. */
const THROTTLE_EVERY = 20;
const MAX_TRIES = 8;
const CANCELLED = '✓ Appointment cancelled';

/**
 * A bounded load run: 200 users at once, each listing and cancelling one appointment through two instances that
 * share Azurite, with Graph answering in 20 ms and throttling 5% of requests (Retry-After: 1). A quarter of the
 * users' confirms reach both instances at once (Teams re-delivery, double clicks). The answers users would see
 * are counted; afterwards every confirmed cancel must be in Graph exactly once and in the audit trail exactly once.
 * A quarter of the users sign in during the run through Teams SSO, their token exchange reaching both instances.
 */
describe(`load: ${USERS} users listing and cancelling at once on two instances`, () => {
  let d: Deployment;
  const now = new Date();
  // Ten businesses of twenty: every first list reads the staff of each (Graph lists the tenant's businesses, not the user's).
  const { seed, users } = syntheticTenant({ users: USERS, staffPerBusiness: 20, listed: 3 }, now);
  const latencies: number[] = [];
  const answers = { cards: 0, throttled: 0, inProgress: 0, outOfTime: 0, stillChecking: 0, unexpected: [] as string[] };

  beforeAll(async () => {
    d = await Deployment.start(['A', 'B'], { LIST_PAGE_SIZE: '5' }, { seed, pageSize: 50, latencyMs: GRAPH_LATENCY_MS, now: () => now }, new LocalEntra(seed.users));
    // A quarter of the users sign in during the run (Teams SSO, with the exchange sent to both instances); the rest
    // are signed in at the Token Service already, as after an earlier visit.
    for (const user of users) if (!signsInDuringRun(user)) await d.tokenService.signInDirectly(user.channelId, user.directory);
    d.graph.faults.add({ status: 429, retryAfterSeconds: 1, everyNth: THROTTLE_EVERY, times: Infinity });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  const signsInDuringRun = (user: SyntheticUser) => user.index % 4 === 1;
  const conversationOf = (user: SyntheticUser) => `a:load-${user.index}`;
  /** An activity from the user's personal chat, as Teams sends it. */
  const fromUser = (user: SyntheticUser, activity: Record<string, unknown>) => ({
    channelId: 'msteams',
    from: { id: user.channelId, aadObjectId: user.directory.id, name: user.directory.displayName },
    recipient: { id: `28:${BOT_APP_ID}`, name: 'Bookings Bot' },
    conversation: { id: conversationOf(user), conversationType: 'personal', tenantId: TENANT_ID },
    channelData: { tenant: { id: TENANT_ID } },
    locale: 'en-US',
    ...activity,
  });
  const cardsSentTo = (user: SyntheticUser) => d.connector.cardCalls().filter((c) => c.conversationId === conversationOf(user));
  const cardArrives = async (user: SyntheticUser, count: number) => {
    await expect.poll(() => cardsSentTo(user).length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(count);
    return cardsSentTo(user)[count - 1]!.activity.attachments![0]!;
  };

  /** "appointments", the OAuthCard, the token exchange sent by two Teams clients to two instances, the list. */
  const signInAndList = async (user: SyntheticUser, first: string): Promise<Card> => {
    await d.post(first, fromUser(user, { type: 'message', text: 'appointments' }));
    const oauth = await cardArrives(user, 1);
    const { tokenExchangeResource } = oauth.content as { tokenExchangeResource: { id: string } };
    const exchange = fromUser(user, { type: 'invoke', name: 'signin/tokenExchange', value: { id: tokenExchangeResource.id, connectionName: CONNECTION_NAME, token: await d.entra.ssoToken(user.directory.userPrincipalName) } });
    for (const exchanged of await Promise.all([d.post('A', exchange), d.post('B', exchange)])) {
      if (exchanged.status !== 200) answers.unexpected.push(`token exchange answered ${exchanged.status}`);
    }
    return (await cardArrives(user, 2)).content;
  };

  /**
   * Counts an answer that is not the one hoped for. "Try again" answers are expected: under throttling, while another
   * turn cancels, a list still finding the user's businesses, and when a turn runs out of time (on 2 shared cores, 200 users' first lists each read ten
   * businesses' staff, and a slow machine takes a turn past its 12 s). Any other answer is not.
   */
  const tally = (card: Card) => {
    const text = textsOf(card).join(' ');
    if (text.includes('busy right now')) answers.throttled++;
    else if (text.includes('being cancelled right now')) answers.inProgress++;
    else if (text.includes('did not answer in time')) answers.outOfTime++;
    // A first list whose scan of the tenant is not done within its wait (200 users' scans share each mailbox's 4).
    else if (/Still checking \d+ of \d+ businesses/.test(text)) answers.stillChecking++;
    else answers.unexpected.push(text.slice(0, 200));
  };
  const hasCancel = (card: Card) => actionsOf(card).some((a) => a.title === 'Cancel');

  const invoke = async (instance: string, user: SyntheticUser, verb: unknown, data: unknown): Promise<Card> => {
    const started = performance.now();
    // As Teams sends a click: with the id of the message whose card was clicked (a list completed later updates it).
    const answer: InvokeAnswer = await d.post(instance, fromUser(user, { type: 'invoke', name: 'adaptiveCard/action', replyToId: `card-of-${user.index}`, value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' } }));
    latencies.push(performance.now() - started);
    if (answer.status !== 200 || answer.body?.statusCode !== 200) throw new Error(`HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    return answer.body.value!;
  };

  /** Presses a card button; a "try again" answer (throttled, in progress) is pressed again, as a user would. */
  const pressUntil = async (user: SyntheticUser, instances: string[], action: Record<string, unknown>, inputs: Record<string, unknown>, done: (card: Card) => boolean): Promise<Card> => {
    let current = action;
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const data = { ...(current.data as object), ...inputs };
      const cards = await Promise.all(instances.map((instance) => invoke(instance, user, current.verb, data)));
      const card = cards.find(done) ?? cards[0]!;
      answers.cards += cards.length;
      if (done(card)) return card;
      tally(card);
      current = actionsOf(card).find((a) => a.title === 'Try again') ?? current;
    }
    throw new Error(`user ${user.index}: no success after ${MAX_TRIES} tries`);
  };

  it('cancels every confirmed appointment exactly once in Graph and in the audit trail, with no unexpected answer', async () => {
    const started = performance.now();
    const confirmed = await Promise.all(
      users.map(async (user) => {
        const [first, second] = user.index % 2 ? ['A', 'B'] : ['B', 'A'];
        let list = signsInDuringRun(user) ? await signInAndList(user, first) : undefined;
        if (list && !hasCancel(list)) tally(list);
        if (!list || !hasCancel(list)) list = await pressUntil(user, [first], { verb: 'appointments.list', data: { offset: 0 } }, {}, hasCancel);
        const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
        const prompt = await pressUntil(user, [second], cancel, {}, (card) => actionsOf(card).some((a) => a.title === 'Confirm cancellation'));
        const confirm = actionsOf(prompt).find((a) => a.title === 'Confirm cancellation')!;
        const deliveries = user.index % 4 === 0 ? ['A', 'B'] : [first];
        await pressUntil(user, deliveries, confirm, { cancellationMessage: `Sorry ${user.index}` }, (card) => textsOf(card)[0] === CANCELLED);
        return (cancel.data as { appointmentId: string }).appointmentId;
      }),
    );
    const elapsedMs = performance.now() - started;

    const cancellations = d.graph.store.cancellations;
    const audit = await d.audit();
    const cancelledInAudit = reportRows(audit).filter((e) => e.outcome === 'cancelled');
    const count = <T>(items: T[], key: (t: T) => string) => items.reduce((m, t) => m.set(key(t), (m.get(key(t)) ?? 0) + 1), new Map<string, number>());
    const inGraph = count(cancellations, (c) => c.appointmentId);
    const inAudit = count(cancelledInAudit, (e) => e.appointmentId);

    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
    const figures = {
      users: USERS,
      instances: 2,
      graphLatencyMs: GRAPH_LATENCY_MS,
      throttledShare: 1 / THROTTLE_EVERY,
      graphRequests: d.graph.requests.length,
      graphThrottled: Math.floor(d.graph.requests.length / THROTTLE_EVERY),
      graphCancelPosts: d.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel')).length,
      botTurns: latencies.length,
      elapsedSeconds: Math.round(elapsedMs / 100) / 10,
      turnLatencyMs: { p50: at(50), p95: at(95), p99: at(99), max: Math.round(sorted.at(-1)!) },
      answersSeen: { cards: answers.cards, throttledCards: answers.throttled, inProgressCards: answers.inProgress, outOfTimeCards: answers.outOfTime, stillCheckingCards: answers.stillChecking, unexpected: answers.unexpected.length },
      confirmedCancels: confirmed.length,
      graphCancellations: cancellations.length,
      auditCancelled: cancelledInAudit.length,
      auditEntries: audit.length,
      oboCalls: d.entra.oboCalls().length,
      signedInDuringRun: users.filter(signsInDuringRun).length,
      tokenExchanges: d.tokenService.calls.filter((c) => c.op === 'exchange').length,
    };
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/load.json', `${JSON.stringify(figures, null, 2)}\n`);

    // What the instances logged at warn and above, kept for whoever has to explain an unexpected answer.
    writeFileSync('test-artifacts/load-warnings.log', d.logs().filter((l) => /"level":(40|50|60)/.test(l)).join('\n'));
    expect(answers.unexpected).toEqual([]);
    // Each user who signed in during the run got one sign-in card and one list (perhaps updated once it was complete),
    // although both instances got the exchange.
    for (const user of users.filter(signsInDuringRun)) expect(cardsSentTo(user).filter((c) => c.method === 'POST'), `cards to user ${user.index}`).toHaveLength(2);
    expect(new Set(confirmed).size).toBe(USERS);
    for (const id of confirmed) {
      expect(inGraph.get(id), `Graph cancellations of ${id}`).toBe(1);
      expect(inAudit.get(id), `audit entries of ${id}`).toBe(1);
    }
    expect(cancellations).toHaveLength(USERS);
    expect(cancelledInAudit).toHaveLength(USERS);
    // The storm really happened, and was answered as designed (reads waited out, cancels offered again).
    expect(answers.throttled).toBeGreaterThan(0);
    // One exchange per user, whichever instance served them.
    expect(figures.oboCalls).toBe(USERS);
  }, 240_000);
});
