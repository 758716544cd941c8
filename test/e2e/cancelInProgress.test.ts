import { afterEach, describe, expect, it } from 'vitest';
import { actionsOf, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE, CONTOSO } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';

const IN_PROGRESS = 'This appointment is being cancelled right now (another click got there first). Try again in a moment to see the outcome.';
const MEGAN = 'MeganB@contoso.onmicrosoft.com';
const ADELE_TEAMS_ID = (teamsActivity({}).from as { id: string }).id;

/**
 * README, "Exactly-once cancel": a confirm that finds a live claim waits for its outcome (up to 8 s, or
 * TURN_TIMEOUT_MS if shorter; here shortened to 1.5 s) and otherwise answers "being cancelled right now" + Try
 * again. Two staff of one business confirm the same appointment (the ledger decides between clicks, users and
 * instances). The first confirm's POST is held at Graph longer than that wait, so the second meets the claim the
 * whole time.
 */
describe('two staff confirm one appointment while the first cancel is still at Graph', () => {
  let h: ProductionHarness;
  afterEach(async () => {
    await h.stop();
  });

  it('the second is told it is being cancelled right now, with Try again; exactly one cancel reaches Graph, and Try again then shows the outcome', async () => {
    // The second confirm waits 1.5 s. The POST is held 3 s, inside the first turn's budget (TURN_TIMEOUT_MS, 12 s)
    // and its one call's (GRAPH_TIMEOUT_MS, 8 s), so the first confirm ends with the cancel and not a timeout.
    h = await startProductionBot({}, { cancelTiming: { awaitOtherTurnMs: 1_500 } });
    // Adele (administrator of Contoso) and Megan (its scheduler) may both cancel any Contoso appointment.
    const megan = h.entra.user(MEGAN);
    const asMegan = { from: { id: '29:megan-teams-user', aadObjectId: megan.id, name: megan.displayName } };
    await h.tokenService.signInDirectly(ADELE_TEAMS_ID, h.entra.user(ADELE));
    await h.tokenService.signInDirectly('29:megan-teams-user', megan);
    const list = await h.click('appointments.list', {});
    const cancel = actionsOf(list.body.value).find((a) => a.title === 'Cancel' && (a.data as { businessId: string }).businessId === CONTOSO)!;
    const prompt = await h.click(cancel.verb, cancel.data);
    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    const data = { ...(confirm.data as object), cancellationMessage: 'Sorry, the kitchen is closed.' };
    // Megan's Graph token and places, before the race: her confirm then only meets the ledger.
    expect(textsOf((await h.click('appointments.list', {}, asMegan)).body.value)[0]).toBe('Your upcoming appointments');
    const posts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));
    h.graph.faults.add({ method: 'POST', pathIncludes: '/cancel', delayMs: 3_000 });

    const first = h.click(confirm.verb, data);
    // Adele's confirm has claimed the cancel and its POST is at Graph.
    await expect.poll(posts, { timeout: 5_000 }).toHaveLength(1);
    const second = await h.click(confirm.verb, data, asMegan);
    // Answered while Graph still holds the first POST: nothing is cancelled yet.
    expect(h.graph.store.cancellations).toHaveLength(0);
    expect(second).toMatchObject({ status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' } });
    expect(textsOf(second.body.value)).toContain(IN_PROGRESS);
    const tryAgain = actionsOf(second.body.value).find((a) => a.title === 'Try again')!;
    expect(tryAgain).toMatchObject({ verb: 'appointment.cancel.confirm', data: { cancellationMessage: 'Sorry, the kitchen is closed.' } });

    expect(textsOf((await first).body.value)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, the kitchen is closed.']));
    const retried = await h.click(tryAgain.verb, tryAgain.data, asMegan);
    expect(textsOf(retried.body.value)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, the kitchen is closed.']));
    expect(posts()).toHaveLength(1);
    expect(h.graph.store.cancellations).toHaveLength(1);
  });
});
