import type { DirectoryUser, Seed, SeedAppointment, SeedBusiness } from '../../src/local-graph/seed.js';
import { syntheticTenant } from './syntheticTenant.js';

export const PAT: DirectoryUser = {
  id: '9a000000-0000-4000-8000-000000000001',
  displayName: 'Pat Person',
  givenName: 'Pat',
  surname: 'Person',
  mail: 'Pat@contoso.onmicrosoft.com',
  userPrincipalName: 'Pat@contoso.onmicrosoft.com',
  jobTitle: 'Staff',
};
export const PAT_CHANNEL_ID = '29:tenant-Pat';

/**
 * 500 businesses (Graph lists at most 500), Pat an administrator of those at `places` with one appointment a day
 * ahead in each (customer "Pat's customer k"); every other business refuses outsiders with 403, the rest with 404
 * ErrorFolderNotFound (shared/graph-bookings.md §7.2).
 */
export function patsTenant(now: Date, places: readonly number[]): { seed: Seed; businesses: SeedBusiness[]; appointments: SeedAppointment[] } {
  const tenant = syntheticTenant({ users: 500, staffPerBusiness: 1, listed: 1 }, now);
  const { businesses } = tenant.seed;
  businesses.forEach((b, i) => (b.refusesOutsidersWith = i % 2 === 0 ? 403 : 404));
  const appointments = places.map((i, k) => {
    const staffId = `5a000000-0000-4000-8000-00000000000${k}`;
    businesses[i]!.staff.push({ id: staffId, displayName: 'Pat Person', emailAddress: PAT.mail, role: 'administrator', timeZone: 'UTC' });
    const start = new Date(now.getTime() + (k + 1) * 86_400_000);
    const a = { ...tenant.seed.appointments[i]!, id: `AAMkADpat${k}=`, start, end: new Date(start.getTime() + 1_800_000), staffMemberIds: [staffId] };
    a.customer = { ...a.customer, name: `Pat's customer ${k}` };
    return a;
  });
  const seed = { ...tenant.seed, users: [...tenant.seed.users, PAT], appointments: [...tenant.seed.appointments, ...appointments] };
  return { seed, businesses, appointments };
}
