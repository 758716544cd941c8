import type { DirectoryUser, Seed, SeedAppointment, SeedBusiness } from '../../src/local-graph/seed.js';

export interface SyntheticUser {
  index: number;
  directory: DirectoryUser;
  /** The Teams channel id of the user (29:...), as activities carry it. */
  channelId: string;
  business: SeedBusiness;
  appointments: SeedAppointment[];
}

const HOUR = 3_600_000;

/**
 * Synthetic tenant for the benchmark and the load test: each user is the only staff member (administrator) of a business of their
 * own with `perUser` appointments spread over the next days, so every user's list has the same size and every
 * confirm can cancel a fresh appointment.
 */
export function syntheticTenant(count: number, perUser: (index: number) => number, now: Date): { seed: Seed; users: SyntheticUser[] } {
  const users: SyntheticUser[] = [];
  const appointments: SeedAppointment[] = [];
  const service = { id: '57da6774-a087-4d69-b0e6-6fb82c339976', displayName: 'Catered bento', minutes: 30, price: 10, isOnline: false };
  const customer = { customerId: '7ed53fa5-9ef2-4f2f-975b-27447440bc09', name: 'Jordan Miller', emailAddress: 'jordanm@contoso.com', phone: '213-555-0199', timeZone: 'America/Chicago' };
  for (let i = 0; i < count; i++) {
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
    const staffId = `11111111-0000-4000-8000-${hex}`;
    const business: SeedBusiness = {
      id: `Bench${i}@contoso.onmicrosoft.com`,
      displayName: `Bench Business ${i}`,
      timeZone: 'UTC',
      phone: '206-555-0100',
      webSiteUrl: 'https://www.contoso.com',
      staff: [{ id: staffId, displayName: directory.displayName, emailAddress: directory.mail, role: 'administrator', timeZone: 'UTC' }],
      services: [service],
    };
    const own: SeedAppointment[] = [];
    for (let n = 0; n < perUser(i); n++) {
      const start = new Date(Math.ceil(now.getTime() / HOUR) * HOUR + (n + 1) * 5 * HOUR);
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
  return { seed: { users: users.map((u) => u.directory), businesses: users.map((u) => u.business), appointments }, users };
}
