import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type BotHarness, startBot, textsOf } from '../helpers/botHarness.js';
import { FABRIKAM } from '../helpers/localGraph.js';

const NOT_OPENABLE = "Microsoft Graph can't open this appointment by its id, so I can't show its details or cancel it here. Open it in Bookings.";
const NOT_ADDRESSABLE = "Microsoft Graph can't open this appointment by its id, so I can't show its details or cancel it. Open it in Bookings to do that.";

/** Graph cannot put an id holding "/" in a request path in any form: such an appointment is listed, and no more. */
describe('an appointment whose id Graph cannot address', () => {
  let h: BotHarness;
  // Before Fabrikam's working day in London, so the whole seeded day is still to come.
  const now = new Date('2026-03-02T05:00:00Z');
  beforeEach(async () => {
    h = await startBot({ LOCAL_USER: 'MeganB@contoso.onmicrosoft.com', LIST_PAGE_SIZE: '20' }, () => now);
  });
  afterEach(async () => {
    await h.stop();
  });

  const press = async (verb: string, data: Record<string, unknown>) => (await h.click(verb, data)).body.value;

  it('is listed with a note instead of Details and Cancel, and a forged click on it is refused before anything is sent', async () => {
    const withSlash = h.graph.store.calendarView(h.graph.store.business(FABRIKAM)!, now, new Date(now.getTime() + 14 * 864e5)).find((a) => a.id.includes('/'))!;
    const list = await press('appointments.list', { offset: 0, range: 'upcoming', scope: 'business', business: FABRIKAM });
    expect(textsOf(list).filter((t) => t === NOT_OPENABLE)).toHaveLength(1);
    const ids = actionsOf(list).map((a) => (a.data as { appointmentId?: string } | undefined)?.appointmentId).filter(Boolean);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).not.toContain(withSlash.id);

    const before = h.graph.requests.length;
    for (const verb of ['appointment.details', 'appointment.cancel.prompt', 'appointment.cancel.confirm']) {
      const answer = await press(verb, { businessId: FABRIKAM, appointmentId: withSlash.id, cancellationMessage: 'Sorry' });
      expect(textsOf(answer), verb).toContain(NOT_ADDRESSABLE);
    }
    expect(h.graph.requests.slice(before).filter((r) => decodeURIComponent(r.path).includes('/appointments/'))).toEqual([]);
    expect(h.graph.store.cancellations).toEqual([]);
  });

  it('an id of "." or ".." in card data is refused before anything is sent: a URL would resolve it to another resource', async () => {
    const before = h.graph.requests.length;
    for (const verb of ['appointment.details', 'appointment.cancel.prompt', 'appointment.cancel.confirm']) {
      for (const appointmentId of ['.', '..']) {
        const answer = await press(verb, { businessId: FABRIKAM, appointmentId, cancellationMessage: 'Sorry' });
        expect(textsOf(answer), `${verb} ${appointmentId}`).toContain(NOT_ADDRESSABLE);
      }
      for (const businessId of ['.', '..']) {
        const answer = await h.click(verb, { businessId, appointmentId: 'AAMkADc3=', cancellationMessage: 'Sorry' });
        // Bad card data: refused as such (400, invalidAction), as any other forged id would be.
        expect(answer.status, `${verb} business ${businessId}`).toBe(400);
        expect(answer.body).toMatchObject({ statusCode: 400, value: { code: 'invalidAction' } });
      }
    }
    // Nothing reached Graph but what the local sign-in and the user's own places need: no read of a resolved path.
    const paths = h.graph.requests.slice(before).map((r) => r.path);
    expect(paths.filter((p) => !/\/(me|staffMembers|\$batch|bookingBusinesses)$/.test(p))).toEqual([]);
    expect(h.graph.store.cancellations).toEqual([]);
  });
});
