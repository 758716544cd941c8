import type { DirectoryUser, SeedAppointment, SeedBusiness, SeedStaffMember } from './seed.js';

/**
 * Graph's JSON shapes for the Bookings subset, as the public docs show them.
 * v1.0 uses startDateTime/endDateTime and customers[]; beta uses start/end and flat customer fields.
 */
export type ApiVersion = 'v1.0' | 'beta';

/** When the seeded businesses and staff were "created" (a fixed instant: nothing reads it, Graph always sends it). */
const SEEDED_AT = '2026-01-05T09:00:00Z';

/** Graph writes UTC times with seven fractional digits. */
function graphDateTime(date: Date): { dateTime: string; timeZone: 'UTC' } {
  return { dateTime: date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z'), timeZone: 'UTC' };
}

/**
 * GET /me: Graph's default properties of a user, or exactly the `$select`ed ones. proxyAddresses is not among the
 * defaults and comes only when selected (DC v1.0/api/user-get.md, "Optional query parameters"; resources/user.md).
 */
export function userJson(user: DirectoryUser, select?: string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-US',
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
  if (!select) return all;
  const full: Record<string, unknown> = { ...all, proxyAddresses: user.proxyAddresses ?? [] };
  return Object.fromEntries(select.filter((name) => name in full).map((name) => [name, full[name]]));
}

export function businessSummaryJson(business: SeedBusiness): Record<string, unknown> {
  return { id: business.id, displayName: business.displayName };
}

export function businessJson(business: SeedBusiness): Record<string, unknown> {
  return {
    id: business.id,
    displayName: business.displayName,
    businessType: 'Professional services',
    phone: business.phone,
    email: business.id,
    webSiteUrl: business.webSiteUrl,
    defaultCurrencyIso: 'USD',
    isPublished: true,
    publicUrl: `https://outlook.office365.com/owa/calendar/${encodeURIComponent(business.id)}/bookings/`,
    languageTag: 'en-US',
    bookingPageSettings: null,
    createdDateTime: SEEDED_AT,
    lastUpdatedDateTime: SEEDED_AT,
    address: { street: '', city: '', state: '', countryOrRegion: '', postalCode: '' },
    businessHours: [],
    schedulingPolicy: { timeSlotInterval: 'PT30M', minimumLeadTime: 'P1D', maximumAdvance: 'P365D', sendConfirmationsToOwner: true, allowStaffSelection: true },
  };
}

/**
 * Graph's evolvable enums: members declared after `unknownFutureValue` reach only a client that asks for them with
 * `Prefer: include-unknown-enum-members`; any other client gets `unknownFutureValue` in their place (DC
 * concepts/best-practices-concept.md, "Handling future members in evolvable enumerations"; DC
 * v1.0/resources/bookingstaffmember.md, role). bookingStaffRole in CSDL v1.0: guest, administrator, viewer,
 * externalGuest, unknownFutureValue, scheduler, teamMember.
 */
const ROLES_AFTER_UNKNOWN_FUTURE_VALUE = new Set(['scheduler', 'teamMember']);

export function staffJson(member: SeedStaffMember, includeUnknownEnumMembers: boolean): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.bookingStaffMember',
    id: member.id,
    displayName: member.displayName,
    emailAddress: member.emailAddress,
    availabilityIsAffectedByPersonalCalendar: false,
    createdDateTime: SEEDED_AT,
    lastUpdatedDateTime: SEEDED_AT,
    role: includeUnknownEnumMembers || !ROLES_AFTER_UNKNOWN_FUTURE_VALUE.has(member.role) ? member.role : 'unknownFutureValue',
    // bookingStaffMembershipStatus (CSDL v1.0): active, pendingAcceptance, rejectedByStaff, unknownFutureValue.
    membershipStatus: member.membershipStatus ?? 'active',
    timeZone: member.timeZone,
    useBusinessHours: true,
    isEmailNotificationEnabled: false,
    workingHours: [],
  };
}

export function appointmentJson(a: SeedAppointment, version: ApiVersion): Record<string, unknown> {
  const common = {
    '@odata.type': '#microsoft.graph.bookingAppointment',
    id: a.id,
    selfServiceAppointmentId: `00000000-0000-0000-0000-${a.id.length.toString().padStart(12, '0')}`,
    additionalInformation: '',
    isLocationOnline: a.service.isOnline,
    joinWebUrl: a.service.isOnline ? `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${encodeURIComponent(a.id.slice(6, 26))}%40thread.v2/0` : null,
    anonymousJoinWebUrl: null,
    appointmentLabel: '',
    customerTimeZone: a.customer.timeZone,
    smsNotificationsEnabled: false,
    isCustomerAllowedToManageBooking: true,
    serviceId: a.service.id,
    serviceName: a.service.displayName,
    duration: `PT${a.service.minutes}M`,
    preBuffer: 'PT0S',
    postBuffer: 'PT0S',
    priceType: 'fixedPrice',
    price: a.service.price,
    serviceNotes: a.serviceNotes,
    optOutOfCustomerEmail: false,
    staffMemberIds: a.staffMemberIds,
    createdDateTime: a.createdDateTime.toISOString(),
    lastUpdatedDateTime: a.createdDateTime.toISOString(),
    serviceLocation: { displayName: a.service.isOnline ? 'Online' : 'Customer location', address: null, coordinates: null },
    reminders: [],
    maximumAttendeesCount: 1,
    filledAttendeesCount: 1,
  };
  if (version === 'beta') {
    return {
      ...common,
      start: graphDateTime(a.start),
      end: graphDateTime(a.end),
      customerId: a.customer.customerId,
      customerName: a.customer.name,
      customerEmailAddress: a.customer.emailAddress,
      customerPhone: a.customer.phone,
      customerNotes: a.customerNotes,
    };
  }
  // v1.0 carries the customer twice: customers[] and the flat fields of the first customer (CSDL bookingAppointment).
  return {
    ...common,
    startDateTime: graphDateTime(a.start),
    endDateTime: graphDateTime(a.end),
    customerName: a.customer.name,
    customerEmailAddress: a.customer.emailAddress,
    customerPhone: a.customer.phone,
    customerNotes: a.customerNotes,
    customers: [
      {
        '@odata.type': '#microsoft.graph.bookingCustomerInformation',
        customerId: a.customer.customerId,
        name: a.customer.name,
        emailAddress: a.customer.emailAddress,
        phone: a.customer.phone,
        notes: a.customerNotes,
        location: null,
        timeZone: a.customer.timeZone,
        customQuestionAnswers: [],
      },
    ],
  };
}
