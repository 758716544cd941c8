import { afterEach, describe, expect, it } from 'vitest';
import { actionsOf, type BotHarness, type Card, cardOf, startBot, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE, CONTOSO } from '../helpers/localGraph.js';

/** A fixed instant: the seed's schedule and every window follow from it, whatever today is. */
const NOW = new Date('2026-12-01T14:00:00Z');
const clock = () => NOW;
const DAY_MS = 86_400_000;

/**
 * docs/configuration.md: APPOINTMENT_WINDOW_DAYS, GRAPH_MAX_RETRY_WAIT_SECONDS and LOCAL_GRAPH_PAGE_SIZE each
 * change what the table says, read from the environment by the real configuration, in bots started as tests start them.
 */
describe('settings that change what the user gets', () => {
  const bots: BotHarness[] = [];
  afterEach(async () => {
    await Promise.all(bots.splice(0).map((b) => b.stop()));
  });
  const bot = async (env: Record<string, string>) => {
    const h = await startBot({ LIST_PAGE_SIZE: '20', ...env }, clock);
    bots.push(h);
    return h;
  };

  /**
   * Every appointment a list shows (following Show more), named by what stays the same between two bots on one clock
   * (business, start, customer; ids are new at every start), with its start.
   */
  async function listed(h: BotHarness): Promise<Map<string, Date>> {
    const found = new Map<string, Date>();
    let card: Card | undefined = (await h.click('appointments.list', {})).body.value;
    while (card) {
      for (const details of actionsOf(card).filter((a) => a.title === 'Details')) {
        const { businessId, appointmentId } = details.data as { businessId: string; appointmentId: string };
        const appointment = h.graph.store.appointment(h.graph.store.business(businessId)!, appointmentId)!;
        found.set(`${businessId}|${appointment.start.toISOString()}|${appointment.customer.name}`, appointment.start);
      }
      const more: Record<string, unknown> | undefined = actionsOf(card).find((a) => a.title === 'Show more');
      card = more ? (await h.click(more.verb, more.data)).body.value : undefined;
    }
    return found;
  }

  it('APPOINTMENT_WINDOW_DAYS: the list covers exactly that many days from now, says so, and help names the number', async () => {
    const fortnight = await listed(await bot({}));
    const boundary = NOW.getTime() + 3 * DAY_MS;
    const inside = [...fortnight].filter(([, start]) => start.getTime() < boundary).map(([key]) => key);
    // The fixture has appointments on both sides of the three-day boundary, some within a day past it.
    expect(inside.length).toBeGreaterThan(0);
    expect([...fortnight.values()].some((start) => start.getTime() >= boundary && start.getTime() < boundary + DAY_MS)).toBe(true);

    const h = await bot({ APPOINTMENT_WINDOW_DAYS: '3' });
    expect([...(await listed(h)).keys()].sort()).toEqual(inside.sort());
    expect(textsOf((await h.click('appointments.list', {})).body.value)).toContain('Next 3 days · times in America/Chicago');
    await h.post(teamsActivity({ type: 'message', text: 'help' }));
    const [help] = await h.connector.waitForCards(1);
    expect(textsOf(cardOf(help!)).join('\n')).toContain('your appointments for the next 3 days');
  });

  it('GRAPH_MAX_RETRY_WAIT_SECONDS: a Retry-After within it is waited out; a longer one is not waited but shown ("try again in N seconds")', async () => {
    const throttleFirstCalendarRead = (h: BotHarness) => h.graph.faults.add({ method: 'GET', pathIncludes: 'calendarView', status: 429, retryAfterSeconds: 3 });
    const calendarReads = (h: BotHarness) => h.graph.requests.filter((r) => r.path.includes('calendarView')).length;

    // Each bot lists once first (its scan of Adele's businesses, and the calendar reads a list takes), then is throttled.
    const patient = await bot({});
    await patient.click('appointments.list', {});
    const perList = calendarReads(patient);
    throttleFirstCalendarRead(patient);
    expect(textsOf((await patient.click('appointments.list', {})).body.value)[0]).toBe('Your upcoming appointments');
    // The default (5 s) let the 3 s wait happen: the throttled read was sent again, one read more than a list takes.
    expect(calendarReads(patient)).toBe(2 * perList + 1);

    const h = await bot({ GRAPH_MAX_RETRY_WAIT_SECONDS: '2' });
    await h.click('appointments.list', {});
    throttleFirstCalendarRead(h);
    const answer = await h.click('appointments.list', {});
    expect(textsOf(answer.body.value)).toContain('Microsoft Bookings is busy right now. Please try again in 3 seconds.');
    expect(actionsOf(answer.body.value).map((a) => a.title)).toEqual(['Try again']);
    // Not sent again: the throttled click read no more than a list takes.
    expect(calendarReads(h) - perList).toBeLessThanOrEqual(perList);
  });

  it('LOCAL_GRAPH_PAGE_SIZE: the local Graph pages calendarView by that many with @odata.nextLink, and the bot still lists every appointment', async () => {
    const h = await bot({ LOCAL_GRAPH_PAGE_SIZE: '2' });
    const { access_token: token } = (await (await fetch(`${h.graph.url}local/token`, { method: 'POST', body: JSON.stringify({ user: ADELE }) })).json()) as { access_token: string };
    const query = new URLSearchParams({ start: NOW.toISOString(), end: new Date(NOW.getTime() + 14 * DAY_MS).toISOString() });
    let next: string | undefined = `${h.graph.url}v1.0/solutions/bookingBusinesses/${encodeURIComponent(CONTOSO)}/calendarView?${query.toString()}`;
    const pages: number[] = [];
    while (next) {
      const page = (await (await fetch(next, { headers: { Authorization: `Bearer ${token}` } })).json()) as { value: unknown[]; '@odata.nextLink'?: string };
      pages.push(page.value.length);
      next = page['@odata.nextLink'];
    }
    const total = h.graph.store.calendarView(h.graph.store.business(CONTOSO)!, NOW, new Date(NOW.getTime() + 14 * DAY_MS)).length;
    expect(total).toBeGreaterThan(4);
    expect(pages).toEqual([...Array<number>(Math.floor(total / 2)).fill(2), ...(total % 2 ? [1] : [])]);

    // The same list as with the default page size (4), read in more pages.
    const pagedByTwo = await listed(h);
    const reference = await bot({});
    expect([...pagedByTwo.keys()].sort()).toEqual([...(await listed(reference)).keys()].sort());
    const calendarReads = (b: BotHarness) => b.graph.requests.filter((r) => r.path.includes('calendarView')).length;
    expect(calendarReads(h)).toBeGreaterThan(calendarReads(reference));
  });
});
