import { randomBytes, randomUUID } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CancelGrants } from '../../src/bookings/cancelGrant.js';
import type { UpcomingAppointment } from '../../src/bookings/types.js';

const TTL = 15 * 60_000;
const adele = { id: '29:adele', channel: 'msteams', aadObjectId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', tenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' };
const appointment: UpcomingAppointment = {
  id: 'AAMkADc7=',
  businessId: 'Contoso@contoso.onmicrosoft.com',
  serviceName: 'Catered bento',
  start: new Date('2026-12-03T17:00:00Z'),
  end: new Date('2026-12-03T17:30:00Z'),
  customerName: 'Jordan Miller',
  staffMemberIds: ['8ee1c803-a1fa-406d-8259-7ab53233f148'],
  openableById: true,
  businessName: 'Contoso Lunch Delivery',
  staffNames: ['Adele Vance'],
  canCancel: true,
  details: { customerPhone: '213-555-0199', serviceNotes: 'Gate code 1234' },
};

describe('CancelGrants: the signed proof a prompt gives its Confirm', () => {
  let now = Date.parse('2026-12-02T09:00:00Z');
  const grants = new CancelGrants(randomBytes(32), TTL, () => now);
  const issued = () => grants.issue(adele, appointment);

  it('verifies what it issued, for that user and appointment, and gives back the appointment as shown (no details)', () => {
    const granted = grants.verify(issued(), adele, 'contoso@CONTOSO.onmicrosoft.com', appointment.id);
    expect(granted).toEqual({ appointment: { ...appointment, details: undefined }, issuedAt: now });
    expect(granted!.appointment).not.toHaveProperty('details');
    // The phone and notes of the Details card never travel in a card's data.
    expect(inflateRawSync(Buffer.from(issued().split('.')[0]!, 'base64url')).toString()).not.toMatch(/555-0199|Gate code/);
  });

  it('holds for its lifetime and not a moment longer', () => {
    const grant = issued();
    now += TTL - 1;
    expect(grants.verify(grant, adele, appointment.businessId, appointment.id)).toBeDefined();
    now += 1;
    expect(grants.verify(grant, adele, appointment.businessId, appointment.id)).toBeUndefined();
  });

  it("is worth nothing for anyone else, for another appointment or business, or from another bot's key", () => {
    const grant = issued();
    // Another identity (token's object id or tenant), or the same user on another channel than the prompt's.
    for (const other of [{ ...adele, channel: 'webchat' }, { ...adele, aadObjectId: '00000000-0000-4000-8000-000000000001' }, { ...adele, tenantId: 'another-tenant' }]) {
      expect(grants.verify(grant, other, appointment.businessId, appointment.id)).toBeUndefined();
    }
    expect(grants.verify(grant, adele, appointment.businessId, 'AAMkADother=')).toBeUndefined();
    expect(grants.verify(grant, adele, 'Fabrikam@contoso.onmicrosoft.com', appointment.id)).toBeUndefined();
    expect(new CancelGrants(randomBytes(32), TTL, () => now).verify(grant, adele, appointment.businessId, appointment.id)).toBeUndefined();
  });

  it('refuses any change to the payload or the MAC, and anything not shaped like a grant', () => {
    const [body, mac] = issued().split('.') as [string, string];
    const payload = JSON.parse(inflateRawSync(Buffer.from(body, 'base64url')).toString()) as Record<string, unknown>;
    const reencode = (p: unknown) => deflateRawSync(JSON.stringify(p)).toString('base64url');
    const altered = [
      `${reencode({ ...payload, expiresAt: Number(payload.expiresAt) + 86_400_000 })}.${mac}`,
      `${reencode({ ...payload, appointment: { ...(payload.appointment as object), customerName: 'Someone else' } })}.${mac}`,
      `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      `${body}.${mac}.extra`,
      `${body}.`,
      body,
      '',
      'x'.repeat(8_000),
      undefined,
    ];
    for (const grant of altered) expect(grants.verify(grant, adele, appointment.businessId, appointment.id)).toBeUndefined();
  });

  it('stays within what a card action may carry (8,192 characters) for an appointment with 150 staff', () => {
    // Staff ids are random GUIDs: they compress least.
    const staff = Array.from({ length: 150 }, (_, k) => ({ id: randomUUID(), name: `Staff Member ${k}` }));
    const crowded = { ...appointment, staffMemberIds: staff.map((m) => m.id), staffNames: staff.map((m) => m.name) };
    const grant = grants.issue(adele, crowded);
    expect(grant.length).toBeLessThanOrEqual(8_192);
    expect(grants.verify(grant, adele, crowded.businessId, crowded.id)?.appointment.staffNames).toHaveLength(150);
  });
});
