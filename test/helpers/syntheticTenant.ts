import type { DirectoryUser, Seed, SeedAppointment, SeedBusiness } from '../../src/local-graph/seed.js';

export interface SyntheticUser {
  index: number;
  directory: DirectoryUser;
  /** The Teams channel id of the user (29:...), as activities carry it. */
  channelId: string;
  business: SeedBusiness;
  /** The user's own appointments: the listed ones first, then the ones past the list's window. */
  appointments: SeedAppointment[];
}

export interface TenantShape {
  /** The first user's number: two tenants of one run need users of different numbers. */
  from?: number;
  users: number;
  /** Users per business; each is its administrator. Graph lists every business of a tenant, at most 500. */
  staffPerBusiness: number;
  /** Each user's appointments inside the next 14 days (what a list shows). */
  listed: number;
  /** Each user's appointments a month and more ahead: past the list's window, still there to cancel by id. */
  later?: number;
}

const HOUR = 3_600_000;
const MONTH = 30 * 24 * HOUR;

/**
 * Synthetic tenant for the benchmark and the load test: businesses of `staffPerBusiness` users each, every user an
 * administrator with appointments of their own (so each user's list has the same size and every confirm can cancel
 * a fresh appointment), and no more than the 500 businesses Graph lists for a tenant.
 */
export function syntheticTenant(shape: TenantShape, now: Date): { seed: Seed; users: SyntheticUser[] } {
  const { from = 0, staffPerBusiness, listed, later = 0 } = shape;
  if (Math.ceil(shape.users / staffPerBusiness) > 500) throw new Error('Graph lists at most 500 businesses of a tenant');
  const users: SyntheticUser[] = [];
  const businesses: SeedBusiness[] = [];
  const appointments: SeedAppointment[] = [];
  const service = { id: '57da6774-a087-4d69-b0e6-6fb82c339976', displayName: 'Catered bento', minutes: 30, price: 10, isOnline: false };
  const customer = { customerId: '7ed53fa5-9ef2-4f2f-975b-27447440bc09', name: 'Jordan Miller', emailAddress: 'jordanm@contoso.com', phone: '213-555-0199', timeZone: 'America/Chicago' };
  const firstHour = Math.ceil(now.getTime() / HOUR) * HOUR;
  for (let i = from; i < from + shape.users; i++) {
    const hex = i.toString(16).padStart(12, '0');
    const alias = `bench${i}`;
    const directory: DirectoryUser = {
      id: `00000000-0000-4000-8000-${hex}`,
      displayName: `Bench User ${i}`,
      givenName: 'Bench',
      surname: `User ${i}`,
      mail: `${alias}@contoso.onmicrosoft.com`,
      userPrincipalName: `${alias}@contoso.onmicrosoft.com`,
      jobTitle: 'Staff',
    };
    const number = from + Math.floor((i - from) / staffPerBusiness);
    if ((i - from) % staffPerBusiness === 0) {
      businesses.push({
        id: `Bench${number}@contoso.onmicrosoft.com`,
        displayName: `Bench Business ${number}`,
        timeZone: 'UTC',
        phone: '206-555-0100',
        webSiteUrl: 'https://www.contoso.com',
        staff: [],
        services: [service],
      });
    }
    const business = businesses.at(-1)!;
    const staffId = `11111111-0000-4000-8000-${hex}`;
    business.staff.push({ id: staffId, displayName: directory.displayName, emailAddress: directory.mail, role: 'administrator', timeZone: 'UTC' });
    const own: SeedAppointment[] = [];
    for (let n = 0; n < listed + later; n++) {
      const start = new Date(n < listed ? firstHour + (n + 1) * 5 * HOUR : firstHour + MONTH + n * 5 * HOUR);
      own.push({
        id: `AAMkADbench${i}x${n}=`,
        businessId: business.id,
        service,
        start,
        end: new Date(start.getTime() + 30 * 60_000),
        customer,
        staffMemberIds: [staffId],
        serviceNotes: null,
        customerNotes: null,
        createdDateTime: now,
      });
    }
    appointments.push(...own);
    users.push({ index: i, directory, channelId: `29:bench-user-${i}`, business, appointments: own });
  }
  return { seed: { users: users.map((u) => u.directory), businesses, appointments }, users };
}
