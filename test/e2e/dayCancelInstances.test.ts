import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, type Card, clickActivity, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { addBusyDay } from '../helpers/busyDay.js';
import { Deployment, type InvokeAnswer } from '../helpers/deployment.js';
import { ADELE } from '../helpers/localGraph.js';

const ADELE_TEAMS_ID = (teamsActivity({}).from as { id: string }).id;
const MESSAGE = 'I am ill today, sorry. Please book a new time.';
const LINE = /^Cancelled (\d+) of (\d+)$/;

/**
 * A day's cancellation on two instances sharing Azure Blob storage (Azurite): the instance running it stops mid-way
 * (killed: no graceful end), and another one, or the same one started again, finishes it. Each appointment still
 * reaches Graph once: the batch's progress is in storage, and each cancel's exactly-once is the ledger's. With
 * TURN_TIMEOUT_MS 3 s a stopped run's lease lapses after 4 s; Graph answers each request after 400 ms.
 */
describe("a day's cancellation taken over after its instance stopped (two instances, Azurite)", () => {
  let d: Deployment;

  const cardIn = (answer: InvokeAnswer): Card => {
    expect(answer).toMatchObject({ status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' } });
    return answer.body!.value!;
  };
  const press = async (instance: string, action: Record<string, unknown>, inputs: Record<string, unknown> = {}) => cardIn(await d.post(instance, clickActivity(action.verb, { ...(action.data as object), ...inputs })));
  const button = (card: Card, title: string) => actionsOf(card).find((a) => a.title === title)!;
  const cancelledOf = (card: Card) => Number(LINE.exec(textsOf(card).find((t) => LINE.test(t)) ?? '')?.[1] ?? NaN);
  const isSummary = (card: Card) => textsOf(card)[0]!.startsWith('Your appointments on');

  /** A day of `count` appointments and its prompt (asked on `instance`), with every box ticked and the message. */
  const promptFor = async (instance: string, tag: string, daysAhead: number) => {
    const busy = addBusyDay(d.graph, { count: 20, tag, daysAhead });
    const list = await press(instance, { verb: 'appointments.list', data: { range: busy.day } });
    const prompt = await press(instance, button(list, 'Cancel this day'));
    const toggles = [...JSON.stringify(prompt).matchAll(/"type":"Input\.Toggle","id":"(pick\d+)"/g)].map((m) => m[1]!);
    expect(toggles).toHaveLength(20);
    const inputs = { ...Object.fromEntries(toggles.map((id) => [id, 'true'])), cancellationMessage: MESSAGE };
    return { busy, confirm: button(prompt, 'Cancel the ticked appointments'), inputs };
  };
  /** Graph's cancels of these appointments: every one exactly once, and no other. */
  const cancelledOnce = (ids: string[]) => {
    const cancels = d.graph.store.cancellations.filter((c) => ids.includes(c.appointmentId));
    const posts = d.graph.requests.filter((r) => r.method === 'POST' && ids.some((id) => r.path.includes(encodeURIComponent(id))) && r.path.endsWith('/cancel'));
    return { cancels: cancels.length, distinct: new Set(cancels.map((c) => c.appointmentId)).size, posts: posts.length };
  };
  /** Presses `action` on `instance` every second until its answer is the summary (bounded). */
  const untilSummary = async (instance: string, action: Record<string, unknown>, inputs: Record<string, unknown> = {}) => {
    const giveUpAt = Date.now() + 30_000;
    for (;;) {
      const card = await press(instance, action, inputs);
      if (isSummary(card) || Date.now() > giveUpAt) return card;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };

  beforeAll(async () => {
    d = await Deployment.start(['A', 'B'], { LOG_LEVEL: 'info', TURN_TIMEOUT_MS: '3000', AUDIT_MESSAGES: 'false' }, { latencyMs: 400 });
    await d.tokenService.signInDirectly(ADELE_TEAMS_ID, d.entra.user(ADELE));
    // Adele's businesses found once (the first list reads the tenant), as before any day a user cancels.
    for (let tries = 0; tries < 40 && textsOf(await press('A', { verb: 'appointments.list', data: {} })).some((t) => t.startsWith('Still checking')); tries++) await new Promise((r) => setTimeout(r, 500));
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it('A stops mid-way; Refresh on B takes the rest over: 20 cancelled, each POSTed once, one audit entry each', async () => {
    const { busy, confirm, inputs } = await promptFor('A', 'takeover', 20);
    const ids = busy.appointments.map((a) => a.id);
    const answer = await press('A', confirm, inputs);
    expect(cancelledOf(answer)).toBeLessThan(20);
    // A has cancelled a few and has more at Graph when it dies.
    await expect.poll(() => cancelledOnce(ids).cancels, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(4);
    await d.instance('A').kill();
    const atDeath = cancelledOnce(ids).cancels;
    expect(atDeath).toBeLessThan(20);

    const summary = await untilSummary('B', button(answer, 'Refresh'));
    expect(isSummary(summary)).toBe(true);
    expect(textsOf(summary)).toEqual(expect.arrayContaining(['Cancelled 20 of 20', 'Cancelled: 20', 'Failed: 0']));
    expect(cancelledOnce(ids)).toEqual({ cancels: 20, distinct: 20, posts: 20 });
    const audit = (await d.audit()).filter((e) => ids.includes(e.appointmentId) && e.outcome === 'cancelled');
    expect(new Set(audit.map((e) => e.appointmentId)).size).toBe(20);
    expect(audit.map((e) => e.attemptId).length).toBe(new Set(audit.map((e) => e.attemptId)).size);
  }, 60_000);

  it('B stops mid-way; A, started again, gets the Confirm re-delivered and finishes the same batch: nothing twice', async () => {
    await d.startInstance('A');
    const { busy, confirm, inputs } = await promptFor('B', 'restart', 21);
    const ids = busy.appointments.map((a) => a.id);
    const answer = await press('B', confirm, inputs);
    expect(cancelledOf(answer)).toBeLessThan(20);
    await expect.poll(() => cancelledOnce(ids).cancels, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(4);
    await d.instance('B').kill();

    // Teams re-delivers the click (its answer never came) to the restarted A: the same batch, joined and finished.
    const summary = await untilSummary('A', confirm, inputs);
    expect(textsOf(summary)).toEqual(expect.arrayContaining(['Cancelled 20 of 20', 'Failed: 0']));
    expect(cancelledOnce(ids)).toEqual({ cancels: 20, distinct: 20, posts: 20 });
    await expect.poll(async () => (await d.audit()).filter((e) => e.outcome === 'batch' && e.batch?.day === busy.day && e.batch.cancelled === 20)).toHaveLength(1);
  }, 60_000);
});
