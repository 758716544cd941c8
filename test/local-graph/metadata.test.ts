import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { ADELE, CONTOSO, startLocalGraph } from '../helpers/localGraph.js';

/** Microsoft's v1.0 metadata for the Bookings types (a trimmed verbatim copy; source and date in the file). */
const CSDL = readFileSync(new URL('../fixtures/graph-v1.0-bookings.csdl.xml', import.meta.url), 'utf8');

/** A type's structural properties, its base types' included (navigation properties are not serialized unless expanded). */
function propertiesOf(type: string): string[] {
  const element = new RegExp(`<(EntityType|ComplexType) Name="${type}"([^>]*?)(/>|>([\\s\\S]*?)</\\1>)`).exec(CSDL);
  if (!element) throw new Error(`${type} is not in the fixture`);
  const base = /BaseType="graph\.(\w+)"/.exec(element[2]!)?.[1];
  const own = [...(element[4] ?? '').matchAll(/<Property Name="(\w+)"/g)].map((m) => m[1]!);
  return [...(base ? propertiesOf(base) : []), ...own].sort();
}

function membersOf(enumType: string): string[] {
  const element = new RegExp(`<EnumType Name="${enumType}">([\\s\\S]*?)</EnumType>`).exec(CSDL);
  return [...(element?.[1] ?? '').matchAll(/<Member Name="(\w+)"/g)].map((m) => m[1]!);
}

const keysOf = (json: object) => Object.keys(json).filter((k) => !k.startsWith('@odata.')).sort();

/** The local service's v1.0 JSON has exactly the properties Graph's metadata declares: no fewer, no invented ones. */
describe('the local Graph service against Microsoft Graph v1.0 metadata', () => {
  let graph: LocalGraphService;
  let headers: Record<string, string>;
  const contoso = `v1.0/solutions/bookingBusinesses/${encodeURIComponent(CONTOSO)}`;
  const get = async (path: string) => (await (await fetch(`${graph.url}${path}`, { headers })).json()) as Record<string, unknown> & { value: Record<string, unknown>[] };

  beforeAll(async () => {
    graph = await startLocalGraph();
    headers = { Authorization: `Bearer ${await graph.identity.issue(graph.identity.findUser(ADELE)!)}`, Prefer: 'include-unknown-enum-members' };
  });
  afterAll(async () => {
    await graph.stop();
  });

  it('bookingAppointment, in calendarView and read by id, and its customers', async () => {
    const appointments = [...(await get(`${contoso}/calendarView?start=2000-01-01T00:00:00Z&end=2100-01-01T00:00:00Z`)).value];
    appointments.push(await get(`${contoso}/appointments/${encodeURIComponent(appointments[0]!.id as string)}`));
    for (const appointment of appointments) {
      expect(keysOf(appointment)).toEqual(propertiesOf('bookingAppointment'));
      for (const customer of appointment.customers as object[]) expect(keysOf(customer)).toEqual(propertiesOf('bookingCustomerInformation'));
    }
  });

  it('bookingStaffMember, with roles and statuses from the metadata enums', async () => {
    const staff = (await get(`${contoso}/staffMembers`)).value;
    for (const member of staff) {
      expect(keysOf(member)).toEqual(propertiesOf('bookingStaffMember'));
      expect(membersOf('bookingStaffRole')).toContain(member.role);
      expect(membersOf('bookingStaffMembershipStatus')).toContain(member.membershipStatus);
    }
  });

  it('bookingBusiness read by id; the list has only id and displayName (bookingbusiness-list.md)', async () => {
    expect(keysOf(await get(contoso))).toEqual(propertiesOf('bookingBusiness'));
    for (const business of (await get('v1.0/solutions/bookingBusinesses')).value) expect(keysOf(business)).toEqual(['displayName', 'id']);
  });

  it('reads the metadata it compares with (the fixture is what it claims to be)', () => {
    expect(propertiesOf('bookingStaffMember')).toContain('membershipStatus');
    expect(membersOf('bookingStaffRole')).toEqual(['guest', 'administrator', 'viewer', 'externalGuest', 'unknownFutureValue', 'scheduler', 'teamMember']);
  });
});
