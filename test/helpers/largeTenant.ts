import type { DirectoryUser, Seed, SeedAppointment, SeedBusiness, SeedStaffMember } from '../../src/local-graph/seed.js';

export interface LargeTenantShape {
  /** Businesses of the tenant; Graph lists at most 500 (DC v1.0/api/bookingbusiness-list.md). */
  businesses: number;
  /** Staff members of every business: the signing-in users placed there, the rest filler directory users. */
  staffPerBusiness: number;
  /** Users who sign in. */
  users: number;
  /** Businesses each user is an active staff member of, spread over the tenant (never the first three). */
  placesPerUser: number;
  /** Upcoming appointments of each user in each of their places, within the next 14 days. */
  appointmentsPerPlace: number;
}

export interface LargeTenantUser {
  index: number;
  directory: DirectoryUser;
  /** The Teams channel id of the user (29:...), as activities carry it. */
  channelId: string;
  /** The businesses the user is staff of, in the order of `roles`. */
  places: SeedBusiness[];
  /** The user's role in each place: user 0 is administrator everywhere, the others alternate. */
  roles: ('administrator' | 'teamMember')[];
  /** The user's appointments in all their places, soonest first. */
  appointments: SeedAppointment[];
}

const DOMAIN = 'contoso.onmicrosoft.com';
const HOUR = 3_600_000;
/** Roles of the filler staff, in turn. */
const FILLER_ROLES = ['administrator', 'scheduler', 'teamMember', 'viewer', 'teamMember'];

const directoryUser = (id: string, alias: string, givenName: string, surname: string, jobTitle: string): DirectoryUser => ({
  id,
  displayName: `${givenName} ${surname}`,
  givenName,
  surname,
  mail: `${alias}@${DOMAIN}`,
  userPrincipalName: `${alias}@${DOMAIN}`,
  jobTitle,
});

/**
 * A tenant at Graph's scale: `businesses` businesses of `staffPerBusiness` staff each, most of them filler directory
 * users who never sign in, and `users` signing-in users, each an active staff member of `placesPerUser` businesses
 * spread over the whole tenant, with appointments of their own there. Businesses alternate in how they refuse an
 * outsider (403, 404). Deterministic: the same shape and `now` always give the same tenant.
 */
export function largeTenant(shape: LargeTenantShape, now: Date): { seed: Seed; users: LargeTenantUser[] } {
  const { businesses: count, staffPerBusiness, users: userCount, placesPerUser, appointmentsPerPlace } = shape;
  if (count > 500) throw new Error('Graph lists at most 500 businesses of a tenant');
  const spread = count - 3;
  if (placesPerUser > spread) throw new Error('Each user needs places of their own outside the first three businesses');
  const service = { id: '57da6774-a087-4d69-b0e6-6fb82c339976', displayName: 'Catered bento', minutes: 30, price: 10, isOnline: false };
  const customer = { customerId: '7ed53fa5-9ef2-4f2f-975b-27447440bc09', name: 'Jordan Miller', emailAddress: 'jordanm@contoso.com', phone: '213-555-0199', timeZone: 'America/Chicago' };
  const businesses: SeedBusiness[] = Array.from({ length: count }, (_, n) => ({
    id: `Large${n}@${DOMAIN}`,
    displayName: `Large Business ${n}`,
    timeZone: 'UTC',
    phone: '206-555-0100',
    webSiteUrl: 'https://www.contoso.com',
    staff: [],
    services: [service],
    refusesOutsidersWith: n % 2 === 0 ? 403 : 404,
  }));
  const hex = (n: number) => n.toString(16).padStart(12, '0');
  let staffNumber = 0;
  const staffMember = (directory: DirectoryUser, role: string): SeedStaffMember => ({
    id: `22222222-0000-4000-8000-${hex(staffNumber++)}`,
    displayName: directory.displayName,
    emailAddress: directory.mail,
    role,
    timeZone: 'UTC',
    membershipStatus: 'active',
  });

  const firstHour = Math.ceil(now.getTime() / HOUR) * HOUR;
  const slots = userCount * placesPerUser;
  const users: LargeTenantUser[] = [];
  const appointments: SeedAppointment[] = [];
  for (let i = 0; i < userCount; i++) {
    const directory = directoryUser(`00000000-0000-4000-9000-${hex(i)}`, `large${i}`, 'Large', `User ${i}`, 'Staff');
    const user: LargeTenantUser = { index: i, directory, channelId: `29:large-user-${i}`, places: [], roles: [], appointments: [] };
    for (let p = 0; p < placesPerUser; p++) {
      // Slots interleaved (place p of every user before place p + 1 of any) and spread evenly past the first three
      // businesses: one user's places lie far apart, and no business is any user's twice.
      const business = businesses[3 + Math.floor(((p * userCount + i) * spread) / slots)]!;
      if (business.staff.length === staffPerBusiness) throw new Error(`${business.id} has no staff place left for user ${i}`);
      const role = i === 0 || (i + p) % 2 === 0 ? 'administrator' : 'teamMember';
      const member = staffMember(directory, role);
      business.staff.push(member);
      user.places.push(business);
      user.roles.push(role);
      for (let n = 0; n < appointmentsPerPlace; n++) {
        // Whole hours 1 to 312 ahead (13 days), varied by user, place and appointment.
        const start = new Date(firstHour + (1 + ((i * 37 + p * 101 + n * 13) % 312)) * HOUR);
        user.appointments.push({
          id: `AAMkADlarge${i}x${p}x${n}=`,
          businessId: business.id,
          service,
          start,
          end: new Date(start.getTime() + 30 * 60_000),
          customer,
          staffMemberIds: [member.id],
          serviceNotes: null,
          customerNotes: null,
          createdDateTime: now,
        });
      }
    }
    user.appointments.sort((a, b) => a.start.getTime() - b.start.getTime());
    appointments.push(...user.appointments);
    users.push(user);
  }

  const fillers: DirectoryUser[] = [];
  for (const business of businesses) {
    while (business.staff.length < staffPerBusiness) {
      const f = fillers.length;
      const filler = directoryUser(`00000000-0000-4000-a000-${hex(f)}`, `filler${f}`, 'Filler', `Staff ${f}`, 'Staff');
      fillers.push(filler);
      business.staff.push(staffMember(filler, FILLER_ROLES[f % FILLER_ROLES.length]!));
    }
  }
  return { seed: { users: [...users.map((u) => u.directory), ...fillers], businesses, appointments }, users };
}
