import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DirectoryUser, SeedAppointment, SeedBusiness } from '../../src/local-graph/seed.js';
import { actionsOf, type Card, textsOf } from '../helpers/botHarness.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';
import { syntheticTenant } from '../helpers/syntheticTenant.js';

const NOW = new Date('2026-03-02T08:00:00Z');
const NOT_STAFF_ANYWHERE = 'You are not a staff member of any Microsoft Bookings business, so there are no appointments to show. Ask a Bookings administrator to add you as staff.';
const NO_LONGER_STAFF = "You're not a staff member of this business in Bookings (any more), so this appointment can't be shown or changed here.";
const FORBIDDEN = "Your Bookings role doesn't allow this. Ask a Bookings administrator or scheduler to do it.";

const person = (alias: string, n: number): DirectoryUser => ({
  id: `9a000000-0000-4000-8000-00000000000${n}`,
  displayName: `${alias} Person`,
  givenName: alias,
  surname: 'Person',
  mail: `${alias}@contoso.onmicrosoft.com`,
  userPrincipalName: `${alias}@contoso.onmicrosoft.com`,
  jobTitle: 'Staff',
});
const PAT = person('Pat', 1);
const NOBODY = person('Nobody', 2);
/** Pat's two businesses among the tenant's 500: neither first nor last, and read in no particular order. */
const PATS = [137, 411];

/**
 * Graph lists every business of the tenant (at most 500, no paging), not the user's, and refuses the staff and
 * calendar of a business to someone who is not its staff (DC v1.0/api/bookingbusiness-list.md; 404
 * ErrorFolderNotFound or 403: shared/graph-bookings.md §7.2). Pat is an administrator in 2 of 500 businesses.
 */
describe("the tenant's businesses: 500 listed, the user staff of 2", () => {
  let h: ProductionHarness;
  let pats: SeedBusiness[];
  let appointments: SeedAppointment[];

  beforeEach(async () => {
    const tenant = syntheticTenant({ users: 500, staffPerBusiness: 1, listed: 1 }, NOW);
    const { businesses } = tenant.seed;
    // Every other business refuses outsiders with 403, the rest with 404 ErrorFolderNotFound: both must be handled.
    businesses.forEach((b, i) => (b.refusesOutsidersWith = i % 2 === 0 ? 403 : 404));
    pats = PATS.map((i) => businesses[i]!);
    appointments = pats.map((business, k) => {
      const staffId = `5a000000-0000-4000-8000-00000000000${k}`;
      business.staff.push({ id: staffId, displayName: 'Pat Person', emailAddress: PAT.mail, role: 'administrator', timeZone: 'UTC' });
      const start = new Date(NOW.getTime() + (k + 1) * 86_400_000);
      const a = { ...tenant.seed.appointments[PATS[k]!]!, id: `AAMkADpat${k}=`, start, end: new Date(start.getTime() + 1_800_000), staffMemberIds: [staffId] };
      a.customer = { ...a.customer, name: `Pat's customer ${k}` };
      return a;
    });
    const seed = { ...tenant.seed, users: [...tenant.seed.users, PAT, NOBODY], appointments: [...tenant.seed.appointments, ...appointments] };
    h = await startProductionBot({ LIST_PAGE_SIZE: '20' }, { seed, clock: () => NOW });
    for (const user of [PAT, NOBODY]) await h.tokenService.signInDirectly(channelIdOf(user), user);
    h.graph.latencyMs = 5; // so that reads overlap
  });
  afterEach(async () => {
    await h.stop();
  });

  const press = async (user: DirectoryUser, verb: string, data: Record<string, unknown>): Promise<Card> => {
    const answer = await h.click(verb, data, { from: { id: channelIdOf(user), aadObjectId: user.id, name: user.displayName } });
    expect(answer.status).toBe(200);
    return answer.body.value;
  };
  const list = (user: DirectoryUser) => press(user, 'appointments.list', { offset: 0, range: 'upcoming', scope: 'mine' });
  const staffReads = () => h.graph.requests.filter((r) => r.path.endsWith('/staffMembers')).length;
  const requestsSince = (from: number) => h.graph.requests.slice(from).map((r) => `${r.method} ${decodeURIComponent(r.path)}`);

  it("lists the appointments of the user's 2 businesses, reading every business's staff once in batches of 20, and never fails for the 498", async () => {
    const card = await list(PAT);
    for (const k of [0, 1]) expect(textsOf(card).some((t) => t.includes(`Pat's customer ${k}`))).toBe(true);
    expect(actionsOf(card).filter((a) => a.title === 'Cancel')).toHaveLength(2);
    expect(staffReads()).toBe(500);
    const batches = h.graph.requests.filter((r) => r.path === '/v1.0/$batch');
    expect(batches).toHaveLength(25);
    expect(h.graph.requests.filter((r) => r.path.endsWith('/staffMembers') && r.batchId === undefined)).toHaveLength(0);
  });

  it('remembers where the user is staff: the next list is the calendar of each of their businesses, and nothing else', async () => {
    await list(PAT);
    const before = h.graph.requests.length;
    const again = await list(PAT);
    expect(textsOf(again).filter((t) => t.includes("Pat's customer"))).toHaveLength(2);
    expect(requestsSince(before).sort()).toEqual(pats.map((b) => `GET /v1.0/solutions/bookingBusinesses/${b.id}/calendarView`).sort());
  });

  it('answers "not staff" to a user who is staff of none of the 500', async () => {
    const card = await list(NOBODY);
    expect(textsOf(card)).toContain(NOT_STAFF_ANYWHERE);
    expect(staffReads()).toBe(500);
  });

  it('a staff member removed from a business can no longer cancel there: Graph refuses, the card says why, the business goes and the rest is read again behind the next list', async () => {
    await list(PAT);
    const removedFrom = pats[0];
    removedFrom!.staff.splice(removedFrom!.staff.findIndex((s) => s.emailAddress === PAT.mail), 1);
    const ids = { businessId: removedFrom!.id, appointmentId: appointments[0]!.id, lang: 'en-US' };

    const prompt = await press(PAT, 'appointment.cancel.prompt', ids);
    expect(textsOf(prompt)).toContain(NO_LONGER_STAFF);
    const confirm = await press(PAT, 'appointment.cancel.confirm', { ...ids, cancellationMessage: 'Sorry, we must cancel.' });
    expect(textsOf(confirm)).toContain(NO_LONGER_STAFF);
    expect(h.graph.requests.filter((r) => r.path.endsWith('/cancel'))).toHaveLength(0);
    expect(h.graph.store.cancellations).toHaveLength(0);

    const reads = staffReads();
    const card = await list(PAT);
    expect(textsOf(card).some((t) => t.includes("Pat's customer 0"))).toBe(false);
    expect(textsOf(card).some((t) => t.includes("Pat's customer 1"))).toBe(true);
    await expect.poll(staffReads).toBe(reads + 500);
  });

  it('a staff member removed from a business sees its calendar no more, though the same page was read alike before: Graph is asked on every list', async () => {
    // Three lists alike: the calendar pages are decoded once for all of them (DecodedPages).
    for (let i = 0; i < 3; i++) await list(PAT);
    const removedFrom = pats[0]!;
    removedFrom.staff.splice(removedFrom.staff.findIndex((s) => s.emailAddress === PAT.mail), 1);

    const before = h.graph.requests.length;
    const card = await list(PAT);
    expect(requestsSince(before)).toContain(`GET /v1.0/solutions/bookingBusinesses/${removedFrom.id}/calendarView`);
    expect(textsOf(card).some((t) => t.includes("Pat's customer 0"))).toBe(false);
    expect(textsOf(card).some((t) => t.includes("Pat's customer 1"))).toBe(true);
  });

  it('a role taken away while remembered: Graph refuses the cancel, the card says why, and the role is read again', async () => {
    await list(PAT);
    const business = pats[0]!;
    const ids = { businessId: business.id, appointmentId: appointments[0]!.id, lang: 'en-US' };
    // Pat opened the prompt as an administrator; the role changes before they confirm (within the grant's minutes).
    const prompt = await press(PAT, 'appointment.cancel.prompt', ids);
    const { grant } = actionsOf(prompt).find((a) => a.title === 'Confirm cancellation')!.data as { grant: string };
    business.staff.find((s) => s.emailAddress === PAT.mail)!.role = 'viewer';
    const confirm = await press(PAT, 'appointment.cancel.confirm', { ...ids, grant, cancellationMessage: 'Sorry, we must cancel.' });
    expect(textsOf(confirm)).toContain(FORBIDDEN);
    expect(h.graph.store.cancellations).toHaveLength(0);

    // The business goes from the next list at once, and comes back read again (behind that list) as a viewer's: no Cancel there.
    const reads = staffReads();
    const next = await list(PAT);
    expect(textsOf(next).some((t) => t.includes("Pat's customer 0"))).toBe(false);
    await expect.poll(staffReads).toBe(reads + 500);
    const card = await list(PAT);
    expect(textsOf(card).some((t) => t.includes("Pat's customer 0"))).toBe(true);
    const cancels = actionsOf(card).filter((a) => a.title === 'Cancel').map((a) => (a.data as { appointmentId: string }).appointmentId);
    expect(cancels).toEqual([appointments[1]!.id]);
  });
});

function channelIdOf(user: DirectoryUser): string {
  return `29:tenant-${user.givenName}`;
}
