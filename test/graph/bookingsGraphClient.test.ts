import type { Acting } from '../../src/bookings/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodedError, ErrorCode } from '../../src/bookings/errors.js';
import { createGraphClient } from '../../src/graph/clientFactory.js';
import { BookingsGraphClient } from '../../src/graph/bookingsGraphClient.js';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { StandInServer } from '../helpers/standins/http.js';
import { ALEX_VIEWER, CONTOSO, FABRIKAM, gatewayFor, NORTHWIND, startLocalGraph } from '../helpers/localGraph.js';

const acting: Acting = { user: { id: 'emulator-user' } };
const fortnight = () => ({ start: new Date(), end: new Date(Date.now() + 14 * 86_400_000) });

async function codeOf(promise: Promise<unknown>): Promise<{ code: ErrorCode; requestId?: string; retryAfterSeconds?: number }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CodedError);
    const e = error as CodedError;
    return { code: e.code, requestId: e.requestId, retryAfterSeconds: e.retryAfterSeconds };
  }
  throw new Error('expected a CodedError');
}

describe('BookingsGraphClient against the local Graph service', () => {
  let graph: LocalGraphService;
  beforeEach(async () => {
    graph = await startLocalGraph({ pageSize: 3 });
  });
  afterEach(async () => {
    await graph.stop();
  });

  it("lists the tenant's businesses and a business's staff with the signed-in user's bearer token", async () => {
    const gateway = gatewayFor(graph);
    const businesses = await gateway.listBusinesses(acting);
    // Every business of the tenant, including Northwind, where Adele is not staff (DC bookingbusiness-list.md).
    expect(businesses.map((b) => b.id)).toEqual([CONTOSO, FABRIKAM, NORTHWIND]);
    const staff = await gateway.listStaff(acting, CONTOSO);
    expect(staff.find((s) => s.role === 'viewer')?.displayName).toBe('Alex Wilber');
    const request = graph.requests.find((r) => r.path.endsWith('/staffMembers'))!;
    expect(request.path).toBe('/v1.0/solutions/bookingBusinesses/ContosoLunchDelivery%40contoso.onmicrosoft.com/staffMembers');
    expect(request.authorization).toMatch(/^Bearer ey/);
    expect(request.user).toBe('AdeleV@contoso.onmicrosoft.com');
  });

  it("refuses a business's staff, calendar, appointments and name to someone who is not its staff, with 404 ErrorFolderNotFound or 403", async () => {
    // Alex is staff at Contoso only: Fabrikam answers 404 ErrorFolderNotFound, Northwind 403.
    const alex = gatewayFor(graph, { login: ALEX_VIEWER });
    const appointment = graph.store.calendarView(graph.store.business(FABRIKAM)!, new Date(0), new Date(8.64e15)).find((a) => !a.id.includes('/'))!;
    for (const [business, code] of [
      [FABRIKAM, ErrorCode.NotStaffOfBusiness],
      [NORTHWIND, ErrorCode.Forbidden],
    ] as const) {
      expect((await codeOf(alex.listStaff(acting, business))).code).toBe(code);
      expect((await codeOf(alex.calendarView(acting, business, fortnight()))).code).toBe(code);
      expect((await codeOf(alex.getBusiness(acting, business))).code).toBe(code);
    }
    expect((await codeOf(alex.getAppointment(acting, FABRIKAM, appointment.id))).code).toBe(ErrorCode.NotStaffOfBusiness);
    expect((await alex.getBusiness(acting, CONTOSO)).displayName).toBe('Contoso Lunch Delivery');
  });

  it('asks for the roles after unknownFutureValue (teamMember, scheduler) on every staff read, alone and in a batch', async () => {
    const gateway = gatewayFor(graph);
    // Adele is a team member at Fabrikam: without Prefer: include-unknown-enum-members Graph says unknownFutureValue.
    const alone = await gateway.listStaff(acting, FABRIKAM);
    expect(alone.map((s) => s.role)).toContain('teamMember');
    const batched = new Map<string, unknown>();
    await gateway.staffOfEach(acting, [CONTOSO, FABRIKAM], (id, staff) => batched.set(id, staff));
    expect((batched.get(FABRIKAM) as { role: string }[]).map((s) => s.role)).toContain('teamMember');
    const staffReads = graph.requests.filter((r) => r.path.endsWith('/staffMembers'));
    expect(staffReads).toHaveLength(3);
    for (const read of staffReads) expect(read.prefer).toContain('include-unknown-enum-members');
  });

  it('follows every @odata.nextLink of the calendar view and sends UTC bounds without milliseconds', async () => {
    const gateway = gatewayFor(graph);
    const window = fortnight();
    const appointments = await gateway.calendarView(acting, CONTOSO, window);
    const expected = graph.store.calendarView(graph.store.business(CONTOSO)!, window.start, window.end);
    expect(appointments.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    const pages = graph.requests.filter((r) => r.path.includes('calendarView'));
    expect(pages.length).toBe(Math.ceil(expected.length / 3));
    expect(pages[1]!.path).toBe("/v1.0/solutions/bookingBusinesses('ContosoLunchDelivery%40contoso.onmicrosoft.com')/calendarView");
    expect(appointments[0]!.start).toBeInstanceOf(Date);
  });

  it('keeps only the appointments whose staff the filter accepts, across every page', async () => {
    const gateway = gatewayFor(graph);
    const window = fortnight();
    const all = await gateway.calendarView(acting, CONTOSO, window);
    const someone = all.find((a) => a.staffMemberIds.length > 0)!.staffMemberIds[0]!;
    const kept = await gateway.calendarView(acting, CONTOSO, window, (ids) => ids.includes(someone));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(all.length);
    expect(kept).toEqual(all.filter((a) => a.staffMemberIds.includes(someone)));
  });

  it('asks Graph for the calendar on every read, and shows a cancel made in between however often the page was read alike', async () => {
    const gateway = gatewayFor(graph);
    const window = fortnight();
    const reads = [];
    for (let i = 0; i < 3; i++) reads.push(await gateway.calendarView(acting, CONTOSO, window));
    expect(reads[2]).toEqual(reads[0]);
    const gone = reads[0]!.find((a) => a.openableById)!;
    await gateway.cancelAppointment(acting, CONTOSO, gone.id, 'Sorry, we must cancel.');

    const after = await gateway.calendarView(acting, CONTOSO, window);
    expect(after.map((a) => a.id)).toEqual(reads[0]!.map((a) => a.id).filter((id) => id !== gone.id));
    const pagesPerRead = Math.ceil(reads[0]!.length / 3);
    const calendarReads = graph.requests.filter((r) => r.path.includes('calendarView'));
    expect(calendarReads).toHaveLength(3 * pagesPerRead + Math.ceil(after.length / 3));
    expect(calendarReads.every((r) => r.user === 'AdeleV@contoso.onmicrosoft.com')).toBe(true);
  });

  it.each([
    ['v1.0', '/solutions/bookingBusinesses'],
    ['beta', '/solutions/bookingBusinesses'],
    ['beta', '/bookingBusinesses'],
  ] as const)('reads %s appointments at %s with the same result', async (version, bookingsRoot) => {
    const gateway = gatewayFor(graph, { version, bookingsRoot });
    const window = fortnight();
    const appointments = await gateway.calendarView(acting, FABRIKAM, window);
    expect(graph.requests.every((r) => r.path.startsWith(`/${version}${bookingsRoot}`))).toBe(true);
    const reference = await gatewayFor(graph).calendarView(acting, FABRIKAM, window);
    expect(appointments).toEqual(reference);
    expect(appointments.every((a) => a.customerName.length > 0 && a.serviceName.length > 0)).toBe(true);
  });

  it('path-encodes appointment ids containing "+" and "=" and cancels with 204 exactly once', async () => {
    const gateway = gatewayFor(graph);
    const target = graph.store.calendarView(graph.store.business(CONTOSO)!, new Date(0), new Date(8.64e15)).find((a) => a.id.includes('+=+'))!;
    const fetched = await gateway.getAppointment(acting, CONTOSO, target.id);
    expect(fetched).toMatchObject({ id: target.id, openableById: true });
    await gateway.cancelAppointment(acting, CONTOSO, target.id, 'Sorry, the kitchen is closed that day.');
    const post = graph.requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe(`/v1.0/solutions/bookingBusinesses/ContosoLunchDelivery%40contoso.onmicrosoft.com/appointments/${encodeURIComponent(target.id)}/cancel`);
    expect(post.path).toContain('%2B');
    expect(post.path).toContain('%3D');
    expect(post.body).toEqual({ cancellationMessage: 'Sorry, the kitchen is closed that day.' });
    expect(graph.store.cancellations).toMatchObject([{ appointmentId: target.id, by: 'AdeleV@contoso.onmicrosoft.com' }]);
    // Gone from the calendar, and a second cancel is Graph's 404.
    expect((await gateway.calendarView(acting, CONTOSO, fortnight())).some((a) => a.id === target.id)).toBe(false);
    expect((await codeOf(gateway.cancelAppointment(acting, CONTOSO, target.id, 'again'))).code).toBe(ErrorCode.NotFound);
  });

  it('lists an appointment whose id holds "/" as not openable by id, and never sends a request for it', async () => {
    const gateway = gatewayFor(graph);
    const withSlash = (await gateway.calendarView(acting, FABRIKAM, { start: new Date(0), end: new Date(Date.now() + 30 * 86_400_000) })).find((a) => a.id.includes('/'))!;
    expect(withSlash.openableById).toBe(false);
    const before = graph.requests.length;
    expect((await codeOf(gateway.getAppointment(acting, FABRIKAM, withSlash.id))).code).toBe(ErrorCode.NotAddressable);
    expect((await codeOf(gateway.cancelAppointment(acting, FABRIKAM, withSlash.id, 'Sorry'))).code).toBe(ErrorCode.NotAddressable);
    expect(graph.requests.slice(before)).toEqual([]);
  });

  it.each(['v1.0', 'beta'] as const)('reads the details only a read by id carries (%s spelling), never the customer e-mail', async (version) => {
    const gateway = gatewayFor(graph, { version });
    const seeded = graph.store.calendarView(graph.store.business(CONTOSO)!, new Date(), fortnight().end).find((a) => a.serviceNotes && a.customerNotes)!;
    const fetched = await gateway.getAppointment(acting, CONTOSO, seeded.id);
    expect(fetched.details).toEqual({
      serviceNotes: seeded.serviceNotes,
      customerNotes: seeded.customerNotes,
      location: seeded.service.isOnline ? 'Online' : 'Customer location',
      price: { amount: seeded.service.price, type: 'fixedPrice' },
      customerPhone: seeded.customer.phone,
    });
    expect(JSON.stringify(fetched)).not.toContain(seeded.customer.emailAddress);
    const listed = (await gateway.calendarView(acting, CONTOSO, fortnight())).find((a) => a.id === seeded.id)!;
    expect(listed.details).toBeUndefined();
  });


  it('maps Graph errors to coded errors that keep the request-id', async () => {
    const gateway = gatewayFor(graph);
    const missing = await codeOf(gateway.getAppointment(acting, CONTOSO, 'AAMkADdoesnotexist='));
    expect(missing.code).toBe(ErrorCode.NotFound);
    expect(missing.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await codeOf(gateway.listStaff(acting, 'nobody@contoso.onmicrosoft.com'))).code).toBe(ErrorCode.NotFound);
    const appointment = (await gatewayFor(graph, { login: ALEX_VIEWER }).calendarView(acting, CONTOSO, fortnight()))[0]!;
    const viewer = await codeOf(gatewayFor(graph, { login: ALEX_VIEWER }).cancelAppointment(acting, CONTOSO, appointment.id, 'no'));
    expect(viewer.code).toBe(ErrorCode.Forbidden);
    expect((await codeOf(gateway.cancelAppointment(acting, CONTOSO, appointment.id, '  '))).code).toBe(ErrorCode.BadRequest);
  });

  it('retries a throttled read after Retry-After, but never a throttled cancel', async () => {
    const gateway = gatewayFor(graph);
    graph.faults.add({ method: 'GET', pathIncludes: 'staffMembers', status: 429, retryAfterSeconds: 1 });
    expect((await gateway.listStaff(acting, CONTOSO)).length).toBeGreaterThan(0);
    expect(graph.requests.filter((r) => r.path.endsWith('staffMembers')).length).toBe(2);

    const appointment = (await gateway.calendarView(acting, CONTOSO, fortnight()))[0]!;
    graph.faults.add({ method: 'POST', pathIncludes: '/cancel', status: 429, retryAfterSeconds: 1 });
    const throttled = await codeOf(gateway.cancelAppointment(acting, CONTOSO, appointment.id, 'Sorry'));
    expect(throttled).toMatchObject({ code: ErrorCode.Throttled, retryAfterSeconds: 1 });
    expect(graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel')).length).toBe(1);
    expect(graph.store.cancellations).toEqual([]);
  });

  it('does not wait out a Retry-After longer than allowed, and gives up on a persistent 503', async () => {
    const gateway = gatewayFor(graph, { maxRetries: 2 });
    graph.faults.add({ method: 'GET', status: 429, retryAfterSeconds: 120 });
    expect(await codeOf(gateway.listBusinesses(acting))).toMatchObject({ code: ErrorCode.Throttled, retryAfterSeconds: 120 });
    graph.faults.add({ method: 'GET', status: 503, retryAfterSeconds: 0, times: Infinity });
    expect((await codeOf(gateway.listBusinesses(acting))).code).toBe(ErrorCode.Unavailable);
    expect(graph.requests.filter((r) => r.path.endsWith('bookingBusinesses')).length).toBe(1 + 3);
  });

  it('answers a throttled read at once, with its Retry-After, when waiting it out would outlast the turn', async () => {
    const gateway = gatewayFor(graph);
    graph.faults.add({ method: 'GET', pathIncludes: 'staffMembers', status: 429, retryAfterSeconds: 1 });
    // Signed in first: the stand-in's first token makes its RSA key, which alone can take most of 400 ms.
    await gateway.me(acting);
    const hurried = { ...acting, deadline: performance.now() + 400 };
    expect(await codeOf(gateway.listStaff(hurried, CONTOSO))).toMatchObject({ code: ErrorCode.Throttled, retryAfterSeconds: 1 });
    expect(graph.requests.filter((r) => r.path.endsWith('staffMembers')).length).toBe(1);
    // With time enough left, the same refusal is waited out.
    graph.faults.add({ method: 'GET', pathIncludes: 'staffMembers', status: 429, retryAfterSeconds: 1 });
    expect((await gateway.listStaff({ ...acting, deadline: performance.now() + 4_000 }, CONTOSO)).length).toBeGreaterThan(0);
    expect(graph.requests.filter((r) => r.path.endsWith('staffMembers')).length).toBe(3);
  });

  it('does not retry an unavailable read whose back-off (no Retry-After) could outlast the turn', async () => {
    const gateway = gatewayFor(graph, { maxRetries: 3 });
    graph.faults.add({ method: 'GET', pathIncludes: 'staffMembers', status: 503, times: Infinity });
    expect((await codeOf(gateway.listStaff({ ...acting, deadline: performance.now() + 1_900 }, CONTOSO))).code).toBe(ErrorCode.Unavailable);
    expect(graph.requests.filter((r) => r.path.endsWith('staffMembers')).length).toBe(1);
  });

  it('stops waiting for a slow Graph at the deadline', async () => {
    const gateway = gatewayFor(graph, { timeoutMs: 200 });
    graph.faults.add({ delayMs: 1500 });
    expect((await codeOf(gateway.listBusinesses(acting))).code).toBe(ErrorCode.Timeout);
  });

  it('maps Graph rejecting the token to Unauthorized, and drops that token so the next call gets a new one', async () => {
    const forgotten: unknown[] = [];
    const tokens = { getToken: () => Promise.resolve('eyJhbGciOiJIUzI1NiJ9.e30.forged'), forget: (u: unknown) => Promise.resolve(void forgotten.push(u)) };
    const gateway = gatewayFor(graph, { tokens });
    expect((await codeOf(gateway.listBusinesses(acting))).code).toBe(ErrorCode.Unauthorized);
    expect(graph.requests[0]!.authorization).toBe('Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged');
    expect(forgotten).toEqual([acting]);
  });
});

describe('BookingsGraphClient against answers that are not Graph\'s JSON (a gateway or proxy in between)', () => {
  let server: StandInServer | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  /** The gateway against a server that answers every request with `status`, `headers` and `body`. */
  async function gatewayAnswering(status: number, headers: Record<string, string>, body: string): Promise<BookingsGraphClient> {
    server = new StandInServer(false, (_req, _url, _body, res) => {
      res.writeHead(status, headers).end(body);
    });
    const baseUrl = `${await server.start()}/`;
    const client = createGraphClient({ baseUrl, version: 'v1.0', timeoutMs: 2000, maxRetries: 2, maxRetryWaitSeconds: 2 });
    const tokens = { getToken: () => Promise.resolve('user-token'), forget: () => Promise.resolve() };
    return new BookingsGraphClient(client, tokens, { baseUrl, version: 'v1.0', bookingsRoot: '/solutions/bookingBusinesses', maxPages: 50 });
  }

  it('keeps the Retry-After of a throttled read whose body is an HTML page', async () => {
    const gateway = await gatewayAnswering(429, { 'Content-Type': 'text/html', 'Retry-After': '7' }, '<html>Too many requests</html>');
    expect(await codeOf(gateway.listBusinesses(acting))).toMatchObject({ code: ErrorCode.Throttled, retryAfterSeconds: 7 });
  });

  it('never follows an @odata.nextLink to another host: the user\'s token stays on the configured Graph', async () => {
    const elsewhere = new StandInServer(false, (_req, _url, _body, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"value":[]}'));
    const otherHost = await elsewhere.start();
    try {
      const gateway = await gatewayAnswering(200, { 'Content-Type': 'application/json' }, JSON.stringify({ value: [{ id: 'a@contoso.com', displayName: 'A' }], '@odata.nextLink': `${otherHost}/v1.0/solutions/bookingBusinesses?$skiptoken=2` }));
      expect(await codeOf(gateway.listBusinesses(acting))).toMatchObject({ code: ErrorCode.Unavailable });
      // Refused at once: not followed there, nor sent as some other path to the configured host.
      expect(elsewhere.wire).toEqual([]);
      expect(server!.wire).toHaveLength(1);
    } finally {
      await elsewhere.stop();
    }
  });

  it('answers a 200 whose body is not JSON (a sign-in page) as unavailable, not as an empty list', async () => {
    const gateway = await gatewayAnswering(200, { 'Content-Type': 'text/html' }, '<html>Sign in to continue</html>');
    expect(await codeOf(gateway.listBusinesses(acting))).toMatchObject({ code: ErrorCode.Unavailable });
  });
});
