import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DayGrants } from '../../src/bookings/dayGrant.js';
import { MAX_DAY_APPOINTMENTS } from '../../src/bookings/dayToCancel.js';
import type { UpcomingAppointment } from '../../src/bookings/types.js';

const TTL = 15 * 60_000;
const adele = { id: '29:adele', channel: 'msteams', aadObjectId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', tenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' };
/** An appointment as Graph ids and names look (random ids do not deflate), with the details a grant must not carry. */
const appointment = (n: number): UpcomingAppointment => ({
  id: `AAMkADc3MWUyMGRm${randomBytes(31).toString('base64')}`,
  businessId: 'ContosoLunchDelivery@contoso.onmicrosoft.com',
  serviceName: n % 2 ? 'Catered bento' : 'Dietary consultation',
  start: new Date(Date.UTC(2026, 11, 9, 14, n * 20)),
  end: new Date(Date.UTC(2026, 11, 9, 14, n * 20 + 15)),
  customerName: `Customer ${randomBytes(4).toString('hex')}`,
  staffMemberIds: ['8ee1c803-a1fa-406d-8259-7ab53233f148', '4a6a5e2b-3e3c-4f1c-9a7e-2d3b7c1f9e01'],
  openableById: true,
  joinWebUrl: 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjY4ZDk0ZmQtOTk5Yy00ZmE2LWI4ZjAtYjMwZGE0NDVlYzY5%40thread.v2/0',
  businessName: 'Contoso Lunch Delivery',
  staffNames: ['Adele Vance', 'Megan Bowen'],
  canCancel: true,
  details: { customerPhone: '213-555-0199', serviceNotes: 'Gate code 1234' },
});

describe('DayGrants: the signed list a day prompt gives its Confirm', () => {
  let now = Date.parse('2026-12-02T09:00:00Z');
  const grants = new DayGrants(randomBytes(32), TTL, () => now);
  const day = Array.from({ length: 3 }, (_, n) => appointment(n));

  it('verifies what it issued, for that user: the day, the scope, each appointment as shown (no details, no join link)', () => {
    const grant = grants.issue(adele, '2026-12-09', 'business', day);
    const verified = grants.verify(grant, adele)!;
    expect(verified).toMatchObject({ day: '2026-12-09', scope: 'business', issuedAt: now, nonce: expect.stringMatching(/^[\w-]{16}$/) });
    expect(verified.appointments).toEqual(day.map((a) => ({ ...a, details: undefined, joinWebUrl: undefined })));
    expect(inflateRawSync(Buffer.from(grant.split('.')[0]!, 'base64url')).toString()).not.toMatch(/555-0199|Gate code|meetup-join/);
    // Each prompt is its own: a new prompt of the same day is another batch.
    expect(grants.verify(grants.issue(adele, '2026-12-09', 'business', day), adele)!.nonce).not.toBe(verified.nonce);
  });

  it('holds for its lifetime; after it, only says which batch it was (nothing is cancelled on its word)', () => {
    const grant = grants.issue(adele, '2026-12-09', 'mine', day);
    now += TTL - 1;
    expect(grants.verify(grant, adele)).toBeDefined();
    expect(grants.expired(grant, adele)).toBeUndefined();
    now += 1;
    expect(grants.verify(grant, adele)).toBeUndefined();
    expect(grants.expired(grant, adele)).toMatchObject({ day: '2026-12-09' });
  });

  it("is worth nothing for anyone else, altered in any byte, or from another deployment's key", () => {
    const grant = grants.issue(adele, '2026-12-09', 'mine', day);
    for (const other of [{ ...adele, channel: 'webchat' }, { ...adele, aadObjectId: '00000000-0000-4000-8000-000000000001' }, { ...adele, tenantId: 'another-tenant' }]) {
      expect(grants.verify(grant, other)).toBeUndefined();
      expect(grants.expired(grant, other)).toBeUndefined();
    }
    for (let i = 0; i < grant.length; i += 7) {
      const altered = grant.slice(0, i) + (grant[i] === 'A' ? 'B' : 'A') + grant.slice(i + 1);
      expect(grants.verify(altered, adele), `byte ${i}`).toBeUndefined();
    }
    expect(new DayGrants(randomBytes(32), TTL, () => now).verify(grant, adele)).toBeUndefined();
    for (const junk of [undefined, '', '.', 'a.b', `${grant}.x`]) expect(grants.verify(junk, adele)).toBeUndefined();
  });

  it(`fits a busy day (${MAX_DAY_APPOINTMENTS} appointments) within what a card action's data may carry`, () => {
    const grant = grants.issue(adele, '2026-12-09', 'business', Array.from({ length: MAX_DAY_APPOINTMENTS }, (_, n) => appointment(n)));
    expect(grant.length).toBeLessThan(16_384);
  });
});
