import type { Appointment, AppointmentDetails, Business, Person, StaffMember } from '../bookings/types.js';

/**
 * Graph JSON → domain objects. Bookings has two spellings of the same data: v1.0 documents startDateTime/
 * endDateTime and customers[], while beta (and some v1.0 examples) use start/end and flat customerName.
 * Both are read. The customer's e-mail is never copied out; their phone only for the Details card.
 */
interface DateTimeTimeZone {
  dateTime?: string;
  timeZone?: string;
}

export interface GraphAppointment {
  id?: string;
  serviceName?: string;
  startDateTime?: DateTimeTimeZone;
  endDateTime?: DateTimeTimeZone;
  start?: DateTimeTimeZone;
  end?: DateTimeTimeZone;
  customers?: { name?: string | null; phone?: string | null; notes?: string | null }[];
  customerName?: string | null;
  customerPhone?: string | null;
  customerNotes?: string | null;
  serviceNotes?: string | null;
  serviceLocation?: { displayName?: string | null } | null;
  price?: number | null;
  priceType?: string | null;
  staffMemberIds?: string[] | null;
  isLocationOnline?: boolean;
  joinWebUrl?: string | null;
}

export interface GraphStaffMember {
  id?: string;
  displayName?: string;
  emailAddress?: string | null;
  role?: string;
  membershipStatus?: string | null;
}

export interface GraphUser {
  id?: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
  proxyAddresses?: string[] | null;
}

const ZONE_OFFSET = /[+-]\d{2}:\d{2}$/;
const LONG_FRACTION = /\.(\d{3})\d+(?=Z|[+-])/;

/** Graph sends UTC as "2018-05-06T12:00:00.0000000Z" (seven digits, sometimes without Z); keep milliseconds. */

function parseGraphDateTime(value: DateTimeTimeZone | undefined): Date | undefined {
  const text = value?.dateTime;
  if (!text) return undefined;
  const hasZone = text.endsWith('Z') || ZONE_OFFSET.test(text);
  // Bookings documents these values as always UTC; a missing designator therefore means UTC.
  const zoned = hasZone ? text : `${text}Z`;
  // Graph writes seven fraction digits; Date takes three. (Checked first: a list parses two of these per appointment.)
  const normalized = LONG_FRACTION.test(zoned) ? zoned.replace(LONG_FRACTION, '.$1') : zoned;
  const date = new Date(normalized);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The fields only a read by id carries, in either spelling; empty strings count as absent. */
export function parseAppointmentDetails(raw: GraphAppointment): AppointmentDetails {
  const text = (value: string | null | undefined) => (value && value.trim() !== '' ? value : undefined);
  const customer = raw.customers?.[0];
  return {
    serviceNotes: text(raw.serviceNotes),
    customerNotes: text(customer?.notes ?? raw.customerNotes),
    location: text(raw.serviceLocation?.displayName),
    price: typeof raw.price === 'number' && raw.priceType && raw.priceType !== 'notSet' ? { amount: raw.price, type: raw.priceType } : undefined,
    customerPhone: text(customer?.phone ?? raw.customerPhone),
  };
}

/** Undefined for an item too broken to show (no id or times). */
export function parseAppointment(raw: GraphAppointment, businessId: string): Appointment | undefined {
  const start = parseGraphDateTime(raw.startDateTime ?? raw.start);
  const end = parseGraphDateTime(raw.endDateTime ?? raw.end);
  if (!raw.id || !start || !end) return undefined;
  const joinWebUrl = raw.joinWebUrl && /^https:\/\//.test(raw.joinWebUrl) ? raw.joinWebUrl : undefined;
  return {
    id: raw.id,
    businessId,
    serviceName: raw.serviceName ?? '',
    start,
    end,
    customerName: raw.customers?.[0]?.name ?? raw.customerName ?? '',
    staffMemberIds: raw.staffMemberIds ?? [],
    openableById: isAddressable(raw.id),
    joinWebUrl,
  };
}

/**
 * Graph un-escapes a request path before splitting it, so an id holding "/" cannot be put in a path in any form:
 * %2F, the OData key form ('…') and double encoding all fail with 400 "Resource not found for the segment …"
 * (microsoft/api-guidelines graph/patterns/encoded-keys.md; microsoftgraph/microsoft-graph-explorer-v4#4029;
 * OData/odata.net#2477). "+" and "=" are sent percent-encoded and work.
 */
export function isAddressable(id: string): boolean {
  return isPathSegment(id) && !id.includes('/');
}

/**
 * Whether an id can stand as one path segment once encoded: "." and ".." (and the empty id) cannot, since a URL's
 * dot segments are resolved before the request is sent (RFC 3986 §5.2.4): `…/appointments/..` reads the business.
 */
export function isPathSegment(id: string): boolean {
  return id !== '' && id !== '.' && id !== '..';
}

export function parseStaffMember(raw: GraphStaffMember): StaffMember | undefined {
  if (!raw.id) return undefined;
  return {
    id: raw.id,
    displayName: raw.displayName ?? '',
    emailAddress: raw.emailAddress ?? '',
    role: raw.role ?? 'unknownFutureValue',
    // Graph always sends it; a response that predates the property is one where every member was active.
    membershipStatus: raw.membershipStatus ?? 'active',
  };
}

export function parseBusiness(raw: { id?: string; displayName?: string }): Business | undefined {
  return raw.id ? { id: raw.id, displayName: raw.displayName ?? raw.id } : undefined;
}

export function parsePerson(raw: GraphUser): Person {
  return {
    id: raw.id ?? '',
    displayName: raw.displayName ?? '',
    emailAddresses: [raw.mail, raw.userPrincipalName, ...smtpAddresses(raw.proxyAddresses)].filter((e): e is string => typeof e === 'string' && e.length > 0),
  };
}

/** The e-mail addresses among a mailbox's proxy addresses ("SMTP:" primary, "smtp:" aliases; X500:, SIP: … are not). */
function smtpAddresses(proxies: string[] | null | undefined): string[] {
  return (proxies ?? []).filter((p) => /^smtp:/i.test(p)).map((p) => p.slice('smtp:'.length));
}
