import { describe, expect, it } from 'vitest';
import { accessTo, maySeeWholeBusiness } from '../../src/bookings/access.js';
import type { StaffMember } from '../../src/bookings/types.js';

const member = (role: string): StaffMember => ({ id: 'me', displayName: 'Me', emailAddress: 'me@contoso.com', role });
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
