import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type Card, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { addBusyDay, type BusyDay } from '../helpers/busyDay.js';
import { ADELE, ALEX_VIEWER } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';

const TEAMS_USER_ID = (teamsActivity({}).from as { id: string }).id;
const MEGAN = 'MeganB@contoso.onmicrosoft.com';
const MESSAGE = 'I am ill today, sorry.';
/** Alex Wilber's staff id in Contoso, where he is a viewer. */
const ALEX_IN_CONTOSO = 'b9d1e1c4-0f3a-4f8e-8c55-6a2b9f0d7e12';
const NO_LONGER_WORKS = 'That button no longer works. Show your appointments again to get a fresh card.';

/**
 * A day's Cancel prompt (issue 34) keeps the single grant's rules for every appointment it lists: its Confirm is the
 * cancel POSTs alone, and a grant that is not the user's own, as signed, sends nothing. Production mode, every peer
 * a stand-in; Adele (administrator of Contoso) has a day of 5; Megan (its scheduler) could cancel them herself, and
 * still gets nothing from Adele's card.
 */
describe("the signed grant of a day's Cancel prompt (production mode, every peer a stand-in)", () => {
  let h: ProductionHarness;
  let busy: BusyDay;
  const asMegan = { from: { id: '29:megan-teams-user', aadObjectId: '', name: 'Megan Bowen' } };
  const posts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));

  beforeEach(async () => {
    h = await startProductionBot();
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    await h.tokenService.signInDirectly('29:megan-teams-user', h.entra.user(MEGAN));
    busy = addBusyDay(h.graph, { count: 5 });
  });
  afterEach(async () => {
    await h.stop();
  });

  /** Adele's prompt for the day, and its Confirm's data with every box ticked and the message. */
  const prompted = async (extra: Record<string, unknown> = {}) => {
    const prompt = (await h.click('day.cancel.prompt', { day: busy.day }, extra)).body.value;
    const confirm = actionsOf(prompt).find((a) => a.verb === 'day.cancel.confirm')!;
    const picks = Object.fromEntries([...JSON.stringify(prompt).matchAll(/"id":"(pick\d+)"/g)].map((m) => [m[1]!, 'true']));
    return { ...(confirm.data as { grant: string }), ...picks, cancellationMessage: MESSAGE };
  };
  const refused = (answer: { status: number; body: { statusCode: number; value: Card | { message?: string } } }) => {
    expect(answer.body).toMatchObject({ statusCode: 400, value: { message: NO_LONGER_WORKS } });
  };

  it('offers a viewer nothing to cancel on a day of their own appointments, and has no Confirm for them', async () => {
    const alex = h.entra.user(ALEX_VIEWER);
    await h.tokenService.signInDirectly('29:alex-teams-user', alex);
    const asAlex = { from: { id: '29:alex-teams-user', aadObjectId: '', name: alex.displayName } };
    const own = addBusyDay(h.graph, { count: 3, staff: [ALEX_IN_CONTOSO], tag: 'alex', daysAhead: 22 });
    // Alex sees them on the list (view only)…
    const list = (await h.click('appointments.list', { range: own.day }, asAlex)).body.value;
    expect(textsOf(list).filter((t) => t.startsWith('View only'))).toHaveLength(3);
    expect(actionsOf(list).some((a) => a.verb === 'day.cancel.prompt')).toBe(false);
    // …and a day's prompt asked for anyway offers none of them.
    const prompt = (await h.click('day.cancel.prompt', { day: own.day }, asAlex)).body.value;
    expect(textsOf(prompt)).toContain(`You have no appointments on ${textsOf(list).find((t) => /^\w{3}, \w{3} \d+$/.test(t))} that you can cancel.`);
    expect(actionsOf(prompt).map((a) => a.verb)).toEqual(['appointments.list']);
    expect(JSON.stringify(prompt)).not.toContain('Input.Toggle');
  });

  it("cancels with the POSTs alone (one per appointment): no read, no Token Service, no Entra ID", async () => {
    const confirm = await prompted();
    const before = { graph: h.graph.requests.length, tokenService: h.tokenService.calls.length, entra: h.entra.calls.length };
    const done = (await h.click('day.cancel.confirm', confirm)).body.value;
    expect(textsOf(done)).toEqual(expect.arrayContaining(['Cancelled 5 of 5', 'Cancelled: 5']));
    const during = h.graph.requests.slice(before.graph);
    expect(during.map((r) => r.method)).toEqual(Array(5).fill('POST'));
    expect(during.every((r) => r.user === ADELE)).toBe(true);
    expect(h.tokenService.calls).toHaveLength(before.tokenService);
    expect(h.entra.calls).toHaveLength(before.entra);
  });

  it("sends nothing for Adele's Confirm replayed by Megan, or a grant altered or missing; and Megan cannot follow or retry Adele's day", async () => {
    const confirm = await prompted();
    const [body, mac] = confirm.grant.split('.') as [string, string];
    refused(await h.click('day.cancel.confirm', confirm, asMegan));
    refused(await h.click('day.cancel.confirm', { ...confirm, grant: `${body}.${mac.slice(0, -2)}xx` }));
    refused(await h.click('day.cancel.confirm', { ...confirm, grant: `${body.slice(0, -4)}AAAA.${mac}` }));
    refused(await h.click('day.cancel.confirm', { ...confirm, grant: '' }));
    expect(posts()).toHaveLength(0);

    // One fails (Graph 503), so Adele's summary offers Retry: the batch's id is on her card.
    h.graph.faults.add({ method: 'POST', pathIncludes: busy.appointments[0]!.id, status: 503 });
    const done = (await h.click('day.cancel.confirm', confirm)).body.value;
    expect(textsOf(done)).toContain('Cancelled 4 of 5');
    const retry = actionsOf(done).find((a) => a.verb === 'day.cancel.retry')!;
    expect(posts()).toHaveLength(5);
    for (const verb of ['day.cancel.progress', 'day.cancel.retry']) {
      const answer = (await h.click(verb, retry.data, asMegan)).body.value;
      expect(textsOf(answer)).toContain("Your Bookings role doesn't allow this. Ask a Bookings administrator or scheduler to do it.");
      expect(JSON.stringify(answer)).not.toMatch(/Jordan|Wang|Amelia|Carlos|Priya|Liu|ill today/);
    }
    expect(posts()).toHaveLength(5);
    // Adele's own Retry: the failed one, once.
    expect(textsOf((await h.click(retry.verb, retry.data)).body.value)).toContain('Cancelled 5 of 5');
    expect(posts()).toHaveLength(6);
  });
});
