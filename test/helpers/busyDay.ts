import { atWallClock, dateAt } from '../../src/local-graph/wallClock.js';
import type { SeedAppointment } from '../../src/local-graph/seed.js';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { CONTOSO } from './localGraph.js';

/** Adele Vance's staff id in Contoso Lunch Delivery (its administrator). */
export const ADELE_IN_CONTOSO = '8ee1c803-a1fa-406d-8259-7ab53233f148';
/** Megan Bowen's staff id in Contoso (its scheduler). */
export const MEGAN_IN_CONTOSO = '4a6a5e2b-3e3c-4f1c-9a7e-2d3b7c1f9e01';

const CUSTOMERS = ['Jordan Miller', 'Wang Fang', 'Amelia Hughes', 'Carlos Ortega', 'Priya Raman', 'Liu Yang'];

export interface BusyDay {
  /** The day, YYYY-MM-DD in `timeZone`. */
  day: string;
  appointments: SeedAppointment[];
}

/**
 * `count` appointments on one day of a business of the local Graph (Contoso by default), every 20 minutes from 08:00
 * in `timeZone`, each for `staff` (Adele by default): a day to cancel ("out sick"), on top of the seed. The day is
 * `daysAhead` days from now, far enough to hold no seeded appointment by default.
 */
export function addBusyDay(graph: LocalGraphService, options: { count: number; timeZone?: string; daysAhead?: number; businessId?: string; staff?: string[]; tag?: string } ): BusyDay {
  const { count, timeZone = 'America/Chicago', daysAhead = 20, businessId = CONTOSO, staff = [ADELE_IN_CONTOSO], tag = 'busy' } = options;
  const business = graph.store.business(businessId)!;
  const today = dateAt(new Date(), timeZone);
  const date = dateAt(atWallClock({ ...today, day: today.day + daysAhead }, 12, 0, timeZone), timeZone);
  const day = `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
  const service = business.services[0]!;
  const appointments = Array.from({ length: count }, (_, n): SeedAppointment => {
    const start = atWallClock(date, 8, n * 20, timeZone);
    const name = CUSTOMERS[n % CUSTOMERS.length]!;
    return {
      id: `AAMkAD${tag}${n}x${Math.random().toString(36).slice(2, 10)}+Zw=`,
      businessId: business.id,
      service,
      start,
      end: new Date(start.getTime() + 15 * 60_000),
      customer: { customerId: `c-${n}`, name, emailAddress: `customer${n}@example.com`, phone: `+1 555 01${String(n).padStart(2, '0')}`, timeZone },
      staffMemberIds: staff,
      serviceNotes: null,
      customerNotes: null,
      createdDateTime: new Date(),
    };
  });
  for (const a of appointments) graph.store.add(a);
  return { day, appointments };
}
