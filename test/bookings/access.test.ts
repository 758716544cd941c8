import { describe, expect, it } from 'vitest';
import { accessTo, maySeeWholeBusiness, membershipOf } from '../../src/bookings/access.js';
import type { StaffMember } from '../../src/bookings/types.js';

const member = (role: string): StaffMember => ({ id: 'me', displayName: 'Me', emailAddress: 'me@contoso.com', role, membershipStatus: 'active' });
const own = { staffMemberIds: ['me', 'other'] };
const colleague = { staffMemberIds: ['other'] };
const unassigned = { staffMemberIds: [] };

/** The rule as a table: [role, own, colleague's, unassigned], each as "see/cancel". */
const TABLE: [string | undefined, string, string, string][] = [
  ['administrator', 'see/cancel', 'see/cancel', 'see/cancel'],
  ['scheduler', 'see/cancel', 'see/cancel', 'see/cancel'],
  ['teamMember', 'see/cancel', '-', 'see/cancel'],
  ['viewer', 'see', '-', 'see'],
  ['guest', 'see', '-', '-'],
  ['externalGuest', 'see', '-', '-'],
  // Roles the bot does not know are view only: Graph's placeholder for newer roles, and any future name.
  ['unknownFutureValue', 'see', '-', 'see'],
  ['storeManager', 'see', '-', 'see'],
  // Prototype names are not roles.
  ['constructor', 'see', '-', 'see'],
  [undefined, '-', '-', '-'],
];

const show = ({ maySee, mayCancel }: { maySee: boolean; mayCancel: boolean }) => (mayCancel ? 'see/cancel' : maySee ? 'see' : '-');

describe('the access rule', () => {
  it.each(TABLE)('%s: own %s, colleague %s, unassigned %s', (role, ...expected) => {
    const m = role === undefined ? undefined : member(role);
    expect([own, colleague, unassigned].map((a) => show(accessTo(m, a)))).toEqual(expected);
  });

  it('lets only administrators and schedulers list the whole business', () => {
    expect(TABLE.map(([role]) => role).filter((role) => maySeeWholeBusiness(role === undefined ? undefined : member(role)))).toEqual(['administrator', 'scheduler']);
  });
});

describe('who the user is in a business', () => {
  const person = { id: 'u', displayName: 'Adele', emailAddresses: ['AdeleV@contoso.onmicrosoft.com', 'adele@fabrikam.com'] };
  const staff = (emailAddress: string, membershipStatus = 'active'): StaffMember => ({ id: emailAddress, displayName: 'x', emailAddress, role: 'teamMember', membershipStatus });

  it('is the staff record under any of their addresses, in any case', () => {
    expect(membershipOf(person, [staff('someone@fabrikam.com'), staff('ADELE@Fabrikam.com')])?.id).toBe('ADELE@Fabrikam.com');
    expect(membershipOf(person, [staff('adelev@CONTOSO.onmicrosoft.com')])?.id).toBe('adelev@CONTOSO.onmicrosoft.com');
    expect(membershipOf(person, [staff('adele@contoso.com')])).toBeUndefined();
  });

  it('is nobody while the invitation is not accepted, declined, or in a status the bot does not know', () => {
    for (const status of ['pendingAcceptance', 'rejectedByStaff', 'unknownFutureValue']) expect(membershipOf(person, [staff('adele@fabrikam.com', status)])).toBeUndefined();
  });
});
