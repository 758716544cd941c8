import type { Person, StaffMember } from './types.js';

/**
 * The one access rule of the domain: for a user's staff record in a business, which of its appointments they may
 * see and which they may cancel. Every path that shows or changes an appointment (list, Details, Cancel, Confirm,
 * and answers served from the cancel ledger) asks this, for the user of that turn, before anything is shown or sent.
 *
 * Whose appointments a role reaches:
 * - `all`: every appointment of the business;
 * - `ownAndUnassigned`: the ones the member is scheduled in, and the ones nobody is scheduled in (someone must
 *   handle those);
 * - `own`: only the ones the member is scheduled in;
 * - `none`.
 */
type Reach = 'all' | 'ownAndUnassigned' | 'own' | 'none';

interface RoleRule {
  see: Reach;
  cancel: Reach;
}

/**
 * Bookings' staff roles (Graph's bookingStaffRole). Administrators and schedulers run the whole calendar; team
 * members manage their own bookings; viewers may only look; guests are booked but do not use the calendar. A role
 * the bot does not know (a newer one, or `unknownFutureValue`) is "view only", like a viewer, until someone decides
 * otherwise. Graph still has the final word on every cancel.
 */
const RULES: Record<string, RoleRule> = {
  administrator: { see: 'all', cancel: 'all' },
  scheduler: { see: 'all', cancel: 'all' },
  teamMember: { see: 'ownAndUnassigned', cancel: 'ownAndUnassigned' },
  viewer: { see: 'ownAndUnassigned', cancel: 'none' },
  guest: { see: 'own', cancel: 'none' },
  externalGuest: { see: 'own', cancel: 'none' },
};
const UNKNOWN_ROLE: RoleRule = { see: 'ownAndUnassigned', cancel: 'none' };
const NOT_STAFF: RoleRule = { see: 'none', cancel: 'none' };

/** Who the user is in one business: their staff record there, or undefined where they are not staff. */
export type Membership = StaffMember | undefined;

/**
 * The user's staff record among a business's staff. A staff member's e-mail may be any address of the user's
 * mailbox, in the tenant's domain or another, in any case; a member who has not accepted (or declined) being staff
 * is not staff.
 */
export function membershipOf(person: Person, staff: StaffMember[]): Membership {
  const addresses = new Set(person.emailAddresses.map((e) => e.toLowerCase()));
  return staff.find((s) => s.membershipStatus === 'active' && addresses.has(s.emailAddress.toLowerCase()));
}

export interface Access {
  maySee: boolean;
  mayCancel: boolean;
}

function ruleOf(member: Membership): RoleRule {
  if (!member) return NOT_STAFF;
  return Object.hasOwn(RULES, member.role) ? RULES[member.role]! : UNKNOWN_ROLE;
}

type Scheduled = { readonly staffMemberIds: readonly string[] };

function isOwn(member: Membership, appointment: Scheduled): boolean {
  return member !== undefined && appointment.staffMemberIds.includes(member.id);
}

/** The member's own appointments and the unassigned ones: what "my appointments" lists. */
export function isOwnOrUnassigned(member: Membership, appointment: Scheduled): boolean {
  return isOwn(member, appointment) || appointment.staffMemberIds.length === 0;
}

function reaches(reach: Reach, member: Membership, appointment: Scheduled): boolean {
  switch (reach) {
    case 'all':
      return true;
    case 'ownAndUnassigned':
      return isOwnOrUnassigned(member, appointment);
    case 'own':
      return isOwn(member, appointment);
    case 'none':
      return false;
  }
}

/** What this member may do with this appointment of their business. Cancelling implies seeing. */
export function accessTo(member: Membership, appointment: Scheduled): Access {
  const rule = ruleOf(member);
  const maySee = reaches(rule.see, member, appointment);
  return { maySee, mayCancel: maySee && reaches(rule.cancel, member, appointment) };
}

/** Whether the member may list everyone's appointments of the business, not just their own. */
export function maySeeWholeBusiness(member: Membership): boolean {
  return ruleOf(member).see === 'all';
}
