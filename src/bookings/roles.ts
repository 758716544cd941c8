import type { StaffMember } from './types.js';

/**
 * Bookings roles that may cancel appointments. Viewers and guests may only look; a role Bookings adds later is
 * treated as look-only until someone decides otherwise (Graph has the final word either way).
 */
const CANCELLING_ROLES = new Set(['administrator', 'scheduler', 'teamMember']);

export function mayCancel(member: StaffMember | undefined): boolean {
  return member !== undefined && CANCELLING_ROLES.has(member.role);
}

/** Roles that look after the whole business, so they may list everyone's appointments, not just their own. */
const WHOLE_BUSINESS_ROLES = new Set(['administrator', 'scheduler']);

export function maySeeWholeBusiness(member: StaffMember | undefined): boolean {
  return member !== undefined && WHOLE_BUSINESS_ROLES.has(member.role);
}
