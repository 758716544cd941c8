import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeedBusiness } from '../../src/local-graph/seed.js';
import { actionsOf, type Card, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';
import { PAT, PAT_CHANNEL_ID, patsTenant } from '../helpers/patsTenant.js';
import { type InMemoryTelemetry, inMemoryTelemetry } from '../helpers/telemetry.js';

const NOW = new Date('2026-03-02T08:00:00Z');
/** Pat's three businesses among the tenant's 500, and one more Pat is added to later. */
const PATS = [37, 211, 463];
const ADDED_LATER = 300;
/** The list card's progress line while the tenant is still being read, with the figures it names. */
const PROGRESS = /^Still checking (\d+) of 500 businesses for yours…/;

/**
 * A large tenant at a scaled-down Graph: 500 businesses, every request 100 ms (Graph takes hundreds), a turn of 1 s
 * (so a list waits 250 ms for the scan of the tenant, where the real one waits 3 s of 12). The first list cannot wait
 * for the whole scan: it answers in time with what was found, and the same card is replaced by the complete list.
 */
describe('a first list in a tenant of 500 businesses, Graph 100 ms away', () => {
  let h: ProductionHarness;
  let businesses: SeedBusiness[];
  let memory: InMemoryTelemetry;

  beforeEach(async () => {
    memory = inMemoryTelemetry();
    const tenant = patsTenant(NOW, PATS);
    businesses = tenant.businesses;
    const { seed } = tenant;
    h = await startProductionBot({ TURN_TIMEOUT_MS: '1000', LIST_PAGE_SIZE: '20' }, { seed, clock: () => NOW, telemetry: memory.telemetry });
    await h.tokenService.signInDirectly(PAT_CHANNEL_ID, PAT);
    h.graph.latencyMs = 100;
  });
  afterEach(async () => {
    await h.stop();
  });

  const from = { id: PAT_CHANNEL_ID, aadObjectId: PAT.id, name: PAT.displayName };
  const press = async (verb: string, data: Record<string, unknown>, replyToId = 'list-card-1'): Promise<Card> => {
    const answer = await h.click(verb, data, { from, replyToId });
    expect(answer.status).toBe(200);
    return answer.body.value;
  };
  const customersOn = (card: Card) => textsOf(card).filter((t) => t.startsWith("Customer: Pat's customer")).map((t) => t.slice('Customer: '.length)).sort();
  const updatesOf = (id: string) => h.connector.calls.filter((c) => c.method === 'PUT' && c.activityId === id);

  it('answers in time with what was found so far and "Still checking", then replaces the same card with the complete list', async () => {
    const first = await press('appointments.list', { offset: 0 });
    expect(textsOf(first).some((t) => PROGRESS.test(t))).toBe(true);
    expect(customersOn(first).length).toBeLessThan(3);
    expect(textsOf(first).join('\n')).not.toMatch(/not a staff member/);

    await expect.poll(() => updatesOf('list-card-1').length, { timeout: 10_000 }).toBe(1);
    const complete = updatesOf('list-card-1')[0]!.activity.attachments![0]!.content;
    expect(customersOn(complete)).toEqual(["Pat's customer 0", "Pat's customer 1", "Pat's customer 2"]);
    expect(textsOf(complete).some((t) => PROGRESS.test(t))).toBe(false);
    expect(actionsOf(complete).filter((a) => a.title === 'Cancel')).toHaveLength(3);
    // Operators see it: one list completed in the background, delivered.
    const completions = async () =>
      (await memory.metrics()).filter((p) => p.name === 'bookings.discovery.background_completions').map((p) => [p.attributes.verb, p.attributes.outcome, p.value]);
    await expect.poll(completions).toEqual([['appointments.list', 'delivered', 1]]);
    // Every staff read went out once, as Pat, in batches of at most 20.
    const reads = h.graph.requests.filter((r) => r.path.endsWith('/staffMembers'));
    expect(new Set(reads.map((r) => r.path)).size).toBe(500);
    expect(reads.every((r) => r.user === PAT.userPrincipalName)).toBe(true);

    // The next list is the complete one at once: the calendars of Pat's three businesses, nothing else.
    const before = h.graph.requests.length;
    const again = await press('appointments.list', { offset: 0 }, 'list-card-2');
    expect(customersOn(again)).toHaveLength(3);
    expect(h.graph.requests.slice(before).map((r) => r.path.split('/').at(-1))).toEqual(['calendarView', 'calendarView', 'calendarView']);
    expect(updatesOf('list-card-2')).toHaveLength(0);
  });

  it('a typed "appointments" in Teams: the answer is a new message, and that message is updated with the complete list', async () => {
    const answer = await h.post(teamsActivity({ type: 'message', text: 'appointments', from }));
    expect(answer.status).toBe(200);
    const sent = await h.connector.waitForCards(1);
    const message = sent[0]!;
    expect(message.method).toBe('POST');
    expect(textsOf(message.activity.attachments![0]!.content).some((t) => PROGRESS.test(t))).toBe(true);
    await expect.poll(() => h.connector.calls.filter((c) => c.method === 'PUT').length, { timeout: 10_000 }).toBe(1);
    const update = h.connector.calls.find((c) => c.method === 'PUT')!;
    // The id the connector gave the first message (its answer to the POST) is the one updated.
    expect(update.activityId).toBe(message.activity.id);
    expect(customersOn(update.activity.attachments![0]!.content)).toHaveLength(3);
  });

  it('Web Chat cannot update a card: the complete list comes as a second card, with Action.Submit buttons', async () => {
    await h.tokenService.signInDirectly(PAT_CHANNEL_ID, PAT, 'webchat');
    const answer = await h.post({ ...teamsActivity({ type: 'message', text: 'appointments', from }), channelId: 'webchat', entities: [] });
    expect(answer.status).toBe(200);
    const [first, second] = await h.connector.waitForCards(2, 10_000);
    expect(textsOf(first!.activity.attachments![0]!.content).some((t) => PROGRESS.test(t))).toBe(true);
    expect(second!.method).toBe('POST');
    const complete = second!.activity.attachments![0]!.content;
    expect(customersOn(complete)).toHaveLength(3);
    expect(actionsOf(complete).some((a) => a.type === 'Action.Execute')).toBe(false);
    expect(h.connector.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  it('"Refresh my businesses" finds a business Pat was just added to, which the remembered list does not show', async () => {
    const first = await press('appointments.list', { offset: 0 });
    await expect.poll(() => updatesOf('list-card-1').length, { timeout: 10_000 }).toBe(1);
    const added = businesses[ADDED_LATER]!;
    added.staff.push({ id: '5a000000-0000-4000-8000-000000000009', displayName: 'Pat Person', emailAddress: PAT.mail, role: 'teamMember', timeZone: 'UTC' });
    const remembered = await press('appointments.list', { offset: 0 }, 'list-card-2');
    expect(actionsOf(remembered).map((a) => a.title)).not.toContain(added.displayName);

    const refresh = actionsOf(first).find((a) => a.title === 'Refresh my businesses');
    expect(refresh).toBeUndefined();
    const button = actionsOf(remembered).find((a) => a.title === 'Refresh my businesses')!;
    const refreshed = await press(button.verb as string, button.data as Record<string, unknown>, 'list-card-3');
    // Answered with the progress, then the same card completed: the new business is among Pat's.
    await expect.poll(() => updatesOf('list-card-3').length, { timeout: 10_000 }).toBe(1);
    expect(textsOf(refreshed).some((t) => PROGRESS.test(t))).toBe(true);
    const complete = updatesOf('list-card-3')[0]!.activity.attachments![0]!.content;
    expect(actionsOf(complete).map((a) => a.title)).toContain(added.displayName);
  });
});
