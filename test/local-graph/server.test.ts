import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { ADELE, CONTOSO, FABRIKAM, startLocalGraph } from '../helpers/localGraph.js';

/** The local service on the wire, checked against Graph's documented behaviour with plain fetch. */
describe('local Graph Bookings service', () => {
  let graph: LocalGraphService;
  let auth: { Authorization: string };
  const contoso = encodeURIComponent(CONTOSO);

  beforeAll(async () => {
    graph = await startLocalGraph();
    const token = (await (await fetch(`${graph.url}local/token`, { method: 'POST', body: JSON.stringify({ user: ADELE }) })).json()) as { access_token: string; expires_in: number; token_type: string };
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    auth = { Authorization: `Bearer ${token.access_token}` };
  });
  afterAll(async () => {
    await graph.stop();
  });

  const errorOf = async (response: Response) => {
    expect(response.headers.get('content-type')).toMatch(/^application\/json;odata\.metadata=minimal/);
    const body = (await response.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error.innerError['request-id']).toBe(response.headers.get('request-id'));
    expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    return { status: response.status, code: body.error.code };
  };

  it('answers 401 with a Graph error body and WWW-Authenticate when the token is missing or forged', async () => {
    const missing = await fetch(`${graph.url}v1.0/solutions/bookingBusinesses`);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=""/);
    expect(await errorOf(missing)).toEqual({ status: 401, code: 'InvalidAuthenticationToken' });
    const forged = await fetch(`${graph.url}v1.0/solutions/bookingBusinesses`, { headers: { Authorization: `${auth.Authorization.slice(0, -4)}AAAA` } });
    expect((await errorOf(forged)).status).toBe(401);
  });

  it('refuses unknown users at the token endpoint the way Entra does', async () => {
    const response = await fetch(`${graph.url}local/token`, { method: 'POST', body: JSON.stringify({ user: 'mallory@contoso.onmicrosoft.com' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers v1.0 without /solutions as Graph does (400), and serves the 2018 beta path', async () => {
    expect(await errorOf(await fetch(`${graph.url}v1.0/bookingBusinesses`, { headers: auth }))).toEqual({ status: 400, code: 'BadRequest' });
    const beta = await fetch(`${graph.url}beta/bookingBusinesses/${contoso}/staffMembers`, { headers: auth });
    expect(beta.status).toBe(200);
  });

  it('refuses GET /me to a token without a User permission (Bookings permissions do not grant it), with Graph\'s 403', async () => {
    const bookingsOnly = await graph.identity.issue(graph.identity.findUser(ADELE)!, 'Bookings.Read.All BookingsAppointment.ReadWrite.All');
    const headers = { Authorization: `Bearer ${bookingsOnly}` };
    expect(await errorOf(await fetch(`${graph.url}v1.0/me`, { headers }))).toEqual({ status: 403, code: 'Authorization_RequestDenied' });
    expect((await fetch(`${graph.url}v1.0/solutions/bookingBusinesses`, { headers })).status).toBe(200);
    expect((await fetch(`${graph.url}v1.0/me`, { headers: auth })).status).toBe(200);
  });

  it('answers /me with the default properties, and proxyAddresses only when selected', async () => {
    const me = async (query = '') => (await (await fetch(`${graph.url}v1.0/me${query}`, { headers: auth })).json()) as Record<string, unknown>;
    expect(await me()).not.toHaveProperty('proxyAddresses');
    expect(await me('?$select=id,proxyAddresses')).toEqual({
      '@odata.context': expect.stringContaining('$metadata#users/$entity'),
      id: expect.any(String),
      proxyAddresses: ['SMTP:AdeleV@contoso.onmicrosoft.com', 'smtp:adelev@fabrikam.com'],
    });
  });

  it('sends the staff roles declared after unknownFutureValue only to a client that asks with Prefer: include-unknown-enum-members', async () => {
    const roles = async (headers: Record<string, string>) => {
      const body = (await (await fetch(`${graph.url}v1.0/solutions/bookingBusinesses/${contoso}/staffMembers`, { headers: { ...auth, ...headers } })).json()) as { value: { displayName: string; role: string }[] };
      return Object.fromEntries(body.value.map((s) => [s.displayName, s.role]));
    };
    expect(await roles({})).toMatchObject({ 'Adele Vance': 'administrator', 'Megan Bowen': 'unknownFutureValue', 'Alex Wilber': 'viewer', 'Dana Swope': 'externalGuest' });
    expect(await roles({ Prefer: 'odata.maxpagesize=10, include-unknown-enum-members' })).toMatchObject({ 'Megan Bowen': 'scheduler' });
  });

  it('requires start and end on calendarView', async () => {
    expect(await errorOf(await fetch(`${graph.url}v1.0/solutions/bookingBusinesses/${contoso}/calendarView?start=2026-01-01T00:00:00Z`, { headers: auth }))).toEqual({
      status: 400,
      code: 'invalidRequest',
    });
  });

  it('answers a cancel with 204 and no body, 400 without a message, 404 once gone, 405 for GET', async () => {
    // Not the '+=+' id the OData key test reads (the tests share one service): which one is first depends on the hour.
    const first = graph.store.calendarView(graph.store.business(CONTOSO)!, new Date(), new Date(Date.now() + 14 * 864e5)).find((a) => !a.id.includes('+=+'));
    const url = `${graph.url}v1.0/solutions/bookingBusinesses/${contoso}/appointments/${encodeURIComponent(first!.id)}/cancel`;
    const post = (body: unknown) => fetch(url, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(await errorOf(await post({}))).toEqual({ status: 400, code: 'invalidRequest' });
    expect(await errorOf(await fetch(url, { headers: auth }))).toEqual({ status: 405, code: 'BadRequest' });
    const ok = await post({ cancellationMessage: 'Sorry' });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('content-type')).toBeNull();
    expect(await ok.text()).toBe('');
    expect(await errorOf(await post({ cancellationMessage: 'Sorry' }))).toEqual({ status: 404, code: 'itemNotFound' });
  });

  it('reads OData key syntax, and, like Graph, cannot address an id holding "/" in any form', async () => {
    const plain = graph.store.calendarView(graph.store.business(CONTOSO)!, new Date(0), new Date(8.64e15)).find((a) => a.id.includes('+=+'))!;
    const keyed = await fetch(`${graph.url}v1.0/solutions/bookingBusinesses('${contoso}')/appointments('${encodeURIComponent(plain.id)}')`, { headers: auth });
    expect(keyed.status).toBe(200);
    const body = (await keyed.json()) as { id: string; startDateTime: { dateTime: string; timeZone: string } };
    expect(body.id).toBe(plain.id);
    expect(body.startDateTime.dateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(body.startDateTime.timeZone).toBe('UTC');
    expect((await fetch(`${graph.url}v1.0/solutions/bookingBusinesses/${contoso}/appointments/${encodeURIComponent(plain.id)}`, { headers: auth })).status).toBe(200);

    const withSlash = graph.store.calendarView(graph.store.business(FABRIKAM)!, new Date(0), new Date(8.64e15)).find((a) => a.id.includes('/'))!;
    const base = `${graph.url}v1.0/solutions/bookingBusinesses/${encodeURIComponent(FABRIKAM)}/appointments`;
    for (const form of [`${base}/${encodeURIComponent(withSlash.id)}`, `${base}('${encodeURIComponent(withSlash.id)}')`, `${base}/${withSlash.id}`]) {
      const answer = await errorOf(await fetch(form, { headers: auth }));
      expect(answer, form).toEqual({ status: 400, code: 'BadRequest' });
    }
    // Encoded twice, the id is literally "%2F" inside: no such appointment.
    expect((await errorOf(await fetch(`${base}/${encodeURIComponent(encodeURIComponent(withSlash.id))}`, { headers: auth }))).status).toBe(404);
  });

  it('echoes client-request-id and plays injected faults with Retry-After', async () => {
    graph.faults.add({ method: 'GET', pathIncludes: '/staffMembers', status: 429, retryAfterSeconds: 3 });
    const throttled = await fetch(`${graph.url}v1.0/solutions/bookingBusinesses/${contoso}/staffMembers`, { headers: { ...auth, 'client-request-id': 'abc-123' } });
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect(throttled.headers.get('client-request-id')).toBe('abc-123');
    expect(await errorOf(throttled)).toEqual({ status: 429, code: 'TooManyRequests' });
    expect((await fetch(`${graph.url}v1.0/solutions/bookingBusinesses/${contoso}/staffMembers`, { headers: auth })).status).toBe(200);
  });
});

describe('local Graph token lifetime', () => {
  it('rejects an expired token with 401', async () => {
    const graph = await startLocalGraph({ tokenLifetimeSeconds: 1 });
    try {
      const { access_token } = (await (await fetch(`${graph.url}local/token`, { method: 'POST', body: JSON.stringify({ user: ADELE }) })).json()) as { access_token: string };
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await fetch(`${graph.url}v1.0/me`, { headers: { Authorization: `Bearer ${access_token}` } });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe('Lifetime validation failed, the token is expired.');
    } finally {
      await graph.stop();
    }
  });
});
