import { randomBytes } from 'node:crypto';
import { atWallClock, dateAt } from './wallClock.js';

/** A person in the local directory: who can sign in locally, and what GET /me returns. */
export interface DirectoryUser {
  id: string;
  displayName: string;
  givenName: string;
  surname: string;
  mail: string;
  userPrincipalName: string;
  jobTitle: string;
  /** The mailbox's addresses as Exchange keeps them: "SMTP:" the primary, "smtp:" each alias. */
  proxyAddresses?: string[];
}

export interface SeedStaffMember {
  id: string;
  displayName: string;
  emailAddress: string;
  role: string;
  timeZone: string;
  /** bookingStaffMembershipStatus: active (the default), pendingAcceptance or rejectedByStaff. */
  membershipStatus?: string;
}

export interface SeedService {
  id: string;
  displayName: string;
  minutes: number;
  price: number;
  isOnline: boolean;
}

export interface SeedBusiness {
  id: string;
  displayName: string;
  timeZone: string;
  phone: string;
  webSiteUrl: string;
  staff: SeedStaffMember[];
  services: SeedService[];
  /** How Graph refuses to show this business to someone who is not its staff: 404 ErrorFolderNotFound (the default) or 403. */
  refusesOutsidersWith?: 403 | 404;
}

export interface SeedCustomer {
  customerId: string;
  name: string;
  emailAddress: string;
  phone: string;
  timeZone: string;
}

export interface SeedAppointment {
  id: string;
  businessId: string;
  service: SeedService;
  start: Date;
  end: Date;
  customer: SeedCustomer;
  staffMemberIds: string[];
  serviceNotes: string | null;
  customerNotes: string | null;
  createdDateTime: Date;
}

export interface Seed {
  users: DirectoryUser[];
  businesses: SeedBusiness[];
  appointments: SeedAppointment[];
}

const tenant = 'contoso.onmicrosoft.com';
const user = (id: string, givenName: string, surname: string, alias: string, jobTitle: string, aliases: string[] = []): DirectoryUser => ({
  id,
  displayName: `${givenName} ${surname}`,
  givenName,
  surname,
  mail: `${alias}@${tenant}`,
  userPrincipalName: `${alias}@${tenant}`,
  jobTitle,
  proxyAddresses: [`SMTP:${alias}@${tenant}`, ...aliases.map((a) => `smtp:${a}`)],
});

/** The local user `npm start` signs in as: an administrator of one business and a team member of the other. */
export const DEFAULT_LOCAL_USER = `AdeleV@${tenant}`;

export const USERS: DirectoryUser[] = [
  // Adele's staff record at Fabrikam uses an alias in another domain: staff e-mail need not be the mail or UPN.
  user('87d349ed-44d7-43e1-9a83-5f2406dee5bd', 'Adele', 'Vance', 'AdeleV', 'Retail Manager', ['adelev@fabrikam.com']),
  user('5bde3e51-d13b-4db1-9948-fe4b109d11a7', 'Megan', 'Bowen', 'MeganB', 'Marketing Manager'),
  user('c8913c86-ceea-4d39-b1ea-f63a5b675166', 'Alex', 'Wilber', 'AlexW', 'Marketing Assistant'),
  user('df043ff1-49d5-414e-86a4-0747721a76d1', 'Lee', 'Gu', 'LeeG', 'Director'),
];

const CONTOSO = `ContosoLunchDelivery@${tenant}`;
const FABRIKAM = `FabrikamWellness@${tenant}`;
const NORTHWIND = `NorthwindBikeRepair@${tenant}`;

const staff = (id: string, displayName: string, emailAddress: string, role: string, timeZone: string): SeedStaffMember => ({
  id,
  displayName,
  emailAddress,
  role,
  timeZone,
});

const BUSINESSES: SeedBusiness[] = [
  {
    id: CONTOSO,
    displayName: 'Contoso Lunch Delivery',
    timeZone: 'America/Chicago',
    phone: '206-555-0100',
    webSiteUrl: 'https://www.contoso.com',
    staff: [
      staff('8ee1c803-a1fa-406d-8259-7ab53233f148', 'Adele Vance', `AdeleV@${tenant}`, 'administrator', 'America/Chicago'),
      staff('4a6a5e2b-3e3c-4f1c-9a7e-2d3b7c1f9e01', 'Megan Bowen', `MeganB@${tenant}`, 'scheduler', 'America/Chicago'),
      staff('b9d1e1c4-0f3a-4f8e-8c55-6a2b9f0d7e12', 'Alex Wilber', `AlexW@${tenant}`, 'viewer', 'America/Chicago'),
      staff('e2f7a0c9-6b1d-4e3a-9f2c-7d8e5a4b3c21', 'Dana Swope', 'danas@contoso.com', 'externalGuest', 'America/Chicago'),
      // Invited, never accepted: not staff (so Lee is staff nowhere).
      { ...staff('f3a8b1d0-7c2e-4f4b-8a3d-8e9f6b5c4d32', 'Lee Gu', `LeeG@${tenant}`, 'administrator', 'America/Chicago'), membershipStatus: 'pendingAcceptance' },
    ],
    services: [
      { id: '57da6774-a087-4d69-b0e6-6fb82c339976', displayName: 'Catered bento', minutes: 30, price: 10, isOnline: false },
      { id: '2f4c8b6a-1d3e-4a5b-9c7d-8e0f1a2b3c4d', displayName: 'Team lunch tasting', minutes: 60, price: 45, isOnline: false },
      { id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', displayName: 'Dietary consultation', minutes: 45, price: 30, isOnline: true },
    ],
  },
  {
    id: FABRIKAM,
    displayName: 'Fabrikam Wellness Clinic',
    timeZone: 'Europe/London',
    phone: '+44 20 7946 0000',
    webSiteUrl: 'https://www.fabrikam.com',
    staff: [
      staff('3c2b1a09-8f7e-4d6c-b5a4-392817161514', 'Megan Bowen', `MeganB@${tenant}`, 'administrator', 'Europe/London'),
      staff('0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e', 'Adele Vance', 'AdeleV@Fabrikam.com', 'teamMember', 'Europe/London'),
      staff('7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918', 'Isaiah Langer', 'isaiah@fabrikam.com', 'teamMember', 'Europe/London'),
    ],
    services: [
      { id: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', displayName: 'Initial consultation', minutes: 60, price: 80, isOnline: true },
      { id: 'd2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f6a', displayName: 'Follow-up visit', minutes: 30, price: 40, isOnline: false },
      { id: 'e3f4a5b6-c7d8-4e9f-0a1b-2c3d4e5f6a7b', displayName: 'Physiotherapy session', minutes: 45, price: 55, isOnline: false },
    ],
  },
  // Listed to everyone (Graph lists the tenant's businesses), staffed by none of the local users: reading it fails.
  {
    id: NORTHWIND,
    displayName: 'Northwind Bike Repair',
    timeZone: 'America/Los_Angeles',
    phone: '425-555-0175',
    webSiteUrl: 'https://www.northwindtraders.com',
    staff: [staff('a4b5c6d7-e8f9-4a0b-9c1d-2e3f4a5b6c7d', 'Nestor Wilke', 'nestorw@northwindtraders.com', 'administrator', 'America/Los_Angeles')],
    services: [{ id: 'f4a5b6c7-d8e9-4f0a-8b1c-2d3e4f5a6b7c', displayName: 'Tune-up', minutes: 60, price: 65, isOnline: false }],
    refusesOutsidersWith: 403,
  },
];

const CUSTOMERS: SeedCustomer[] = [
  { customerId: '7ed53fa5-9ef2-4f2f-975b-27447440bc09', name: 'Jordan Miller', emailAddress: 'jordanm@contoso.com', phone: '213-555-0199', timeZone: 'America/Chicago' },
  { customerId: '80b5ddda-1e3b-4c9d-abe2-d606cc9d2d3c', name: 'Wang Fang', emailAddress: 'wang.fang@example.cn', phone: '+86 10 5555 0123', timeZone: 'Asia/Shanghai' },
  { customerId: '1c5a0e8f-3b2d-4c6e-9a7f-8b1d2e3f4a5b', name: 'Amelia Hughes', emailAddress: 'amelia.hughes@example.co.uk', phone: '+44 7700 900123', timeZone: 'Europe/London' },
  { customerId: '2d6b1f9a-4c3e-4d7f-8b0a-9c2e3f4a5b6c', name: 'Carlos Ortega', emailAddress: 'carlos@example.mx', phone: '+52 55 5555 0188', timeZone: 'America/Mexico_City' },
  { customerId: '3e7c2a0b-5d4f-4e8a-9c1b-0d3f4a5b6c7d', name: 'Priya Raman', emailAddress: 'priya.raman@example.in', phone: '+91 98765 43210', timeZone: 'Asia/Kolkata' },
  { customerId: '4f8d3b1c-6e5a-4f9b-8d2c-1e4a5b6c7d8e', name: 'Liu Yang', emailAddress: 'liu.yang@example.cn', phone: '+86 21 5555 0456', timeZone: 'Asia/Shanghai' },
];

/** Deterministic generator so the same `now` always yields the same schedule. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Exchange-style ids: a fixed "AAMkAD" prefix and base64 of random bytes, so they end in '=' and often hold '+'.
 * Only the one forced to hold "/" does: Graph cannot address such an id (see keySegment in server.ts), and the demo
 * should mostly be usable. The bytes are new at every start: ids the same on every machine would let any web page
 * guess a cancel.
 */
function appointmentId(forced?: string): string {
  const id = `AAMkADc3MWUyMGRm${randomBytes(31).toString('base64').replaceAll('/', 'Q')}`;
  return forced ? id.slice(0, 30) + forced + id.slice(30 + forced.length) : id;
}

const ASSIGNMENTS: string[][] = [
  ['AdeleV'],
  ['MeganB'],
  [],
  ['AdeleV'],
  ['AlexW'],
  ['AdeleV', 'MeganB'],
  ['IsaiahL'],
];

/** The businesses local users are staff of share the demo's appointments; Northwind keeps two of its own. */
const STAFFED = BUSINESSES.filter((b) => b.id !== NORTHWIND);
const NORTHWIND_BUSINESS = BUSINESSES.find((b) => b.id === NORTHWIND)!;

/**
 * 24 appointments over the next 14 days, in each business's working hours, some today: 22 where local users are
 * staff, 2 at Northwind. One id holds '/' (which Graph cannot address) and one '+' and '=' mid-id, so path encoding
 * is always exercised.
 */
export function createSeed(now: Date): Seed {
  const random = mulberry32(20181129);
  const appointments: SeedAppointment[] = [];
  for (let n = 0; n < 24; n++) {
    const business = n < 22 ? STAFFED[n % STAFFED.length]! : NORTHWIND_BUSINESS;
    const service = business.services[Math.floor(random() * business.services.length)]!;
    const dayOffset = Math.floor(((n % 22) * 14) / 22);
    const today = dateAt(now, business.timeZone);
    const hour = 9 + Math.floor(random() * 8);
    const minute = random() < 0.5 ? 0 : 30;
    const start = atWallClock({ ...today, day: today.day + dayOffset }, hour, minute, business.timeZone);
    const staffAliases = ASSIGNMENTS[n % ASSIGNMENTS.length]!;
    const staffMemberIds = staffAliases
      .map((alias) => business.staff.find((s) => s.emailAddress.toLowerCase().startsWith(alias.toLowerCase())))
      .filter((s) => s !== undefined)
      .map((s) => s.id);
    appointments.push({
      id: appointmentId(n === 1 ? '/x+' : n === 2 ? '+=+' : undefined),
      businessId: business.id,
      service,
      start,
      end: new Date(start.getTime() + service.minutes * 60_000),
      customer: CUSTOMERS[n % CUSTOMERS.length]!,
      staffMemberIds,
      serviceNotes: n % 3 === 0 ? 'Customer asked for a quiet table.' : null,
      customerNotes: n % 4 === 0 ? 'Please call when you arrive.' : null,
      createdDateTime: new Date(now.getTime() - (n + 1) * 86_400_000),
    });
  }
  return { users: USERS, businesses: BUSINESSES, appointments };
}
