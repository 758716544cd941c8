import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { largeTenant } from '../helpers/largeTenant.js';
import { startLocalGraph } from '../helpers/localGraph.js';

const NOW = new Date('2026-11-03T10:17:00Z');
const SHAPE = { businesses: 500, staffPerBusiness: 10, users: 30, placesPerUser: 3, appointmentsPerPlace: 2 };

describe('largeTenant', () => {
  const { seed, users } = largeTenant(SHAPE, NOW);

  it('builds 500 businesses of 10 staff, half refusing outsiders with 403 and half with 404', () => {
    expect(seed.businesses).toHaveLength(500);
    expect(seed.businesses.every((b) => b.staff.length === 10)).toBe(true);
    expect(seed.businesses.filter((b) => b.refusesOutsidersWith === 403)).toHaveLength(250);
    expect(seed.businesses.filter((b) => b.refusesOutsidersWith === 404)).toHaveLength(250);
    expect(new Set(seed.businesses.flatMap((b) => b.staff.map((s) => s.id))).size).toBe(5000);
    // Every staff member is a directory user: 30 who sign in, the rest filler.
    const addresses = new Set(seed.users.map((u) => u.mail));
    expect(seed.businesses.every((b) => b.staff.every((s) => addresses.has(s.emailAddress)))).toBe(true);
    expect(seed.users).toHaveLength(30 + 5000 - 90);
  });

  it('makes each user active staff of 3 businesses spread over the tenant, never the first three, user 0 administrator everywhere', () => {
    expect(users).toHaveLength(30);
    for (const user of users) {
      expect(user.channelId).toMatch(/^29:/);
      expect(new Set(user.places).size).toBe(3);
      for (const [p, place] of user.places.entries()) {
        expect(seed.businesses.indexOf(place)).toBeGreaterThanOrEqual(3);
        const member = place.staff.find((s) => s.emailAddress === user.directory.mail)!;
        expect(member).toMatchObject({ membershipStatus: 'active', role: user.roles[p] });
      }
    }
    expect(users[0]!.roles).toEqual(['administrator', 'administrator', 'administrator']);
    expect(new Set(users.flatMap((u) => u.roles))).toEqual(new Set(['administrator', 'teamMember']));
    const indexes = users.flatMap((u) => u.places.map((p) => seed.businesses.indexOf(p)));
    expect(Math.min(...indexes)).toBe(3);
    expect(Math.max(...indexes)).toBeGreaterThan(450);
    // One user's places lie far apart.
    const first = users[0]!.places.map((p) => seed.businesses.indexOf(p));
    expect(first[1]! - first[0]!).toBeGreaterThan(100);
  });

  it('gives each user 2 upcoming appointments per place within 14 days, assigned to their staff record', () => {
    for (const user of users) {
      expect(user.appointments).toHaveLength(6);
      for (const appointment of user.appointments) {
        const place = user.places.find((p) => p.id === appointment.businessId)!;
        expect(appointment.staffMemberIds).toEqual([place.staff.find((s) => s.emailAddress === user.directory.mail)!.id]);
        expect(appointment.start.getTime()).toBeGreaterThan(NOW.getTime());
        expect(appointment.end.getTime()).toBeLessThanOrEqual(NOW.getTime() + 14 * 864e5);
      }
    }
    expect(seed.appointments).toHaveLength(180);
    expect(new Set(seed.appointments.map((a) => a.id)).size).toBe(180);
  });

  it('is deterministic', () => {
    expect(largeTenant(SHAPE, NOW)).toEqual({ seed, users });
  });

  describe('served by the local Graph service', () => {
    let graph: LocalGraphService;
    let headers: Record<string, string>;
    beforeAll(async () => {
      graph = await startLocalGraph({ seed, pageSize: 50, now: () => NOW });
      headers = { Authorization: `Bearer ${await graph.identity.issue(users[1]!.directory)}` };
    });
    afterAll(async () => {
      await graph.stop();
    });

    it('lists all 500 businesses and shows a user their own places only', async () => {
      const list = (await (await fetch(`${graph.url}v1.0/solutions/bookingBusinesses`, { headers })).json()) as { value: unknown[] };
      expect(list.value).toHaveLength(500);
      const user = users[1]!;
      const place = user.places[0]!;
      const view = await fetch(`${graph.url}v1.0/solutions/bookingBusinesses/${encodeURIComponent(place.id)}/calendarView?start=${NOW.toISOString()}&end=${new Date(NOW.getTime() + 14 * 864e5).toISOString()}`, { headers });
      expect(((await view.json()) as { value: { id: string }[] }).value.map((a) => a.id).sort()).toEqual(user.appointments.filter((a) => a.businessId === place.id).map((a) => a.id).sort());
      const outsider = seed.businesses.find((b) => !user.places.includes(b))!;
      expect((await fetch(`${graph.url}v1.0/solutions/bookingBusinesses/${encodeURIComponent(outsider.id)}`, { headers })).status).toBe(outsider.refusesOutsidersWith);
    });
  });
});
