import type { DirectoryUser, Seed, SeedAppointment, SeedBusiness, SeedService, SeedStaffMember } from '../../src/local-graph/seed.js';

/**
 * A tenant for the authorization matrix: one business with a directory user in every Bookings role (and one who is
 * staff nowhere), a colleague who is not a directory user, and a second business none of them works for. Each
 * appointment's customer name says whose it is, so a card that leaks one is easy to spot.
 */
export type Role = 'administrator' | 'scheduler' | 'teamMember' | 'viewer' | 'guest' | 'unknownFutureValue' | 'notStaff';
export type Target = 'own' | 'colleague' | 'unassigned' | 'otherBusiness';

export const ROLES: Role[] = ['administrator', 'scheduler', 'teamMember', 'viewer', 'guest', 'unknownFutureValue', 'notStaff'];
export const TARGETS: Target[] = ['own', 'colleague', 'unassigned', 'otherBusiness'];

export const MATRIX_BUSINESS = 'NorthwindClinic@contoso.onmicrosoft.com';
export const OTHER_BUSINESS = 'TailspinToys@contoso.onmicrosoft.com';
/** The instant the matrix tests run at (the bot's and Graph's clock): appointments are the day after. */
export const MATRIX_NOW = new Date('2026-03-02T08:00:00Z');

const tenant = 'contoso.onmicrosoft.com';
const oid = (n: number) => `0000000${n}-aaaa-4bbb-8ccc-00000000000${n}`;

/** The directory user acting in each role (their Teams user id is derived from the role too). */
export const USER_OF: Record<Role, DirectoryUser> = Object.fromEntries(
  ROLES.map((role, n) => {
    const alias = `${role}.user`;
    return [role, { id: oid(n + 1), displayName: `User ${role}`, givenName: 'User', surname: role, mail: `${alias}@${tenant}`, userPrincipalName: `${alias}@${tenant}`, jobTitle: role }];
  }),
) as Record<Role, DirectoryUser>;

const staffIdOf = (n: number) => `5a1f0000-0000-4000-8000-00000000000${n}`;
const COLLEAGUE: SeedStaffMember = { id: staffIdOf(9), displayName: 'Colin Colleague', emailAddress: 'colin@fabrikam.com', role: 'teamMember', timeZone: 'UTC' };

const staffOf = (role: Role, n: number): SeedStaffMember => ({ id: staffIdOf(n + 1), displayName: USER_OF[role].displayName, emailAddress: USER_OF[role].mail, role, timeZone: 'UTC' });
const staffRoles = ROLES.filter((r) => r !== 'notStaff');
const service: SeedService = { id: '11111111-2222-4333-8444-555555555555', displayName: 'Consultation', minutes: 30, price: 10, isOnline: false };

const businesses: SeedBusiness[] = [
  { id: MATRIX_BUSINESS, displayName: 'Northwind Clinic', timeZone: 'UTC', phone: '1', webSiteUrl: 'https://northwind.example', staff: [...staffRoles.map(staffOf), COLLEAGUE], services: [service] },
  { id: OTHER_BUSINESS, displayName: 'Tailspin Toys', timeZone: 'UTC', phone: '2', webSiteUrl: 'https://tailspin.example', staff: [{ ...COLLEAGUE, role: 'administrator' }], services: [service] },
];

let hour = 9;
const appointment = (id: string, businessId: string, customer: string, staffMemberIds: string[]): SeedAppointment => {
  const start = new Date(Date.UTC(2026, 2, 3, hour++));
  return {
    id,
    businessId,
    service,
    start,
    end: new Date(start.getTime() + 30 * 60_000),
    customer: { customerId: id, name: customer, emailAddress: `${customer.toLowerCase()}@example.com`, phone: '+1 555 0100', timeZone: 'UTC' },
    staffMemberIds,
    serviceNotes: null,
    customerNotes: null,
    createdDateTime: MATRIX_NOW,
  };
};

/** The appointment id a role's user acts on for each target (notStaff has no own appointment: undefined). */
export function targetId(role: Role, target: Target): string | undefined {
  if (target === 'own') return role === 'notStaff' ? undefined : `AAMkOwn-${role}+=`;
  return { colleague: 'AAMkColleague+=', unassigned: 'AAMkUnassigned+=', otherBusiness: 'AAMkOther+=' }[target];
}

/** The customer each target's appointment is for. */
export function customerOf(role: Role, target: Target): string {
  return target === 'own' ? `Own${role}` : { colleague: 'ColleagueCustomer', unassigned: 'UnassignedCustomer', otherBusiness: 'OtherBusinessCustomer' }[target];
}

export function businessOf(target: Target): string {
  return target === 'otherBusiness' ? OTHER_BUSINESS : MATRIX_BUSINESS;
}

export function accessSeed(): Seed {
  hour = 9;
  const appointments = [
    ...staffRoles.map((role, n) => appointment(targetId(role, 'own')!, MATRIX_BUSINESS, customerOf(role, 'own'), [staffIdOf(n + 1)])),
    appointment(targetId('administrator', 'colleague')!, MATRIX_BUSINESS, customerOf('administrator', 'colleague'), [COLLEAGUE.id]),
    appointment(targetId('administrator', 'unassigned')!, MATRIX_BUSINESS, customerOf('administrator', 'unassigned'), []),
    appointment(targetId('administrator', 'otherBusiness')!, OTHER_BUSINESS, customerOf('administrator', 'otherBusiness'), [COLLEAGUE.id]),
  ];
  return { users: Object.values(USER_OF), businesses, appointments };
}

/** What the domain's rule allows each role for each target: the expectations of the matrix, written out by hand. */
export const EXPECTED: Record<Role, Record<Target, { see: boolean; cancel: boolean }>> = {
  administrator: { own: yes(), colleague: yes(), unassigned: yes(), otherBusiness: no() },
  scheduler: { own: yes(), colleague: yes(), unassigned: yes(), otherBusiness: no() },
  teamMember: { own: yes(), colleague: no(), unassigned: yes(), otherBusiness: no() },
  viewer: { own: look(), colleague: no(), unassigned: look(), otherBusiness: no() },
  guest: { own: look(), colleague: no(), unassigned: no(), otherBusiness: no() },
  unknownFutureValue: { own: look(), colleague: no(), unassigned: look(), otherBusiness: no() },
  notStaff: { own: no(), colleague: no(), unassigned: no(), otherBusiness: no() },
};

function yes() {
  return { see: true, cancel: true };
}
function look() {
  return { see: true, cancel: false };
}
function no() {
  return { see: false, cancel: false };
}
