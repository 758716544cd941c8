import { afterEach, describe, expect, it } from 'vitest';
import type { LocalGraphOptions, LocalGraphService } from '../../src/local-graph/server.js';
import { largeTenant } from '../helpers/largeTenant.js';
import { ADELE, CONTOSO, FABRIKAM, LEE_NOT_STAFF, startLocalGraph } from '../helpers/localGraph.js';

interface MemberResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: { error?: { code: string; message: string; innerError: Record<string, string> }; value?: { role: string }[] };
}

type Member = { id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown; dependsOn?: string[] };

/** JSON batching (DC concepts/json-batching.md) on the wire, with plain fetch. */
describe('local Graph: JSON batching', () => {
  let graph: LocalGraphService;
  let auth: string;
  const contosoStaff = `/solutions/bookingBusinesses/${encodeURIComponent(CONTOSO)}/staffMembers`;

  const start = async (options: LocalGraphOptions = {}, login = ADELE) => {
    graph = await startLocalGraph(options);
    auth = `Bearer ${await graph.identity.issue(graph.identity.findUser(login)!)}`;
  };
  const post = async (body: unknown, version = 'v1.0', authorization = auth) => {
    const response = await fetch(`${graph.url}${version}/$batch`, { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { response, status: response.status, body: (await response.json()) as { responses: MemberResponse[]; error: { code: string; message: string } } };
  };
  const batch = async (requests: Member[]) => {
    const answer = await post({ requests });
    expect(answer.status).toBe(200);
    return answer.body.responses;
  };
  const byId = (responses: MemberResponse[]) => Object.fromEntries(responses.map((r) => [r.id, r]));

  afterEach(async () => {
    await graph.stop();
  });

  it('refuses the whole batch with 400 as Graph words it: more than 20, none, a repeated id (in any case), a member missing a field, an absolute url, a body without Content-Type, a POST without a body', async () => {
    await start();
    const get = (id: string, url = contosoStaff): Member => ({ id, method: 'GET', url });
    const refused = async (body: unknown, message: string) => {
      const answer = await post(body);
      expect(answer.status, message).toBe(400);
      expect(answer.body.error, message).toMatchObject({ code: 'BadRequest', message });
      expect(answer.response.headers.get('content-type')).toMatch(/^application\/json/);
    };
    await refused({ requests: Array.from({ length: 21 }, (_, i) => get(String(i))) }, 'Number of requests inside batch exceed the limit.');
    await refused({ requests: [] }, 'Invalid batch payload format.');
    await refused({}, 'Invalid batch payload format.');
    await refused({ requests: [get('a'), get('A')] }, 'Request Id A has to be unique in a batch.');
    await refused({ requests: [get('1'), { id: '2', url: contosoStaff }] }, 'Invalid batch payload format.');
    await refused({ requests: [get('1', `https://graph.microsoft.com/v1.0${contosoStaff}`)] }, 'Invalid batch payload format.');
    const cancel = `/solutions/bookingBusinesses/${encodeURIComponent(CONTOSO)}/appointments/x/cancel`;
    await refused({ requests: [{ id: '1', method: 'POST', url: cancel, body: { cancellationMessage: 'Sorry' } }] }, 'Write request id : 1 does not contain Content-Type header or body.');
    await refused({ requests: [{ id: '1', method: 'POST', url: cancel, headers: { 'Content-Type': 'application/json' } }] }, 'Write request id : 1 does not contain Content-Type header or body.');
    await refused({ requests: [{ ...get('1'), dependsOn: ['9'] }] }, 'Invalid batch payload format.');
    await refused({ requests: [{ ...get('1'), dependsOn: ['2'] }, { ...get('2'), dependsOn: ['1'] }] }, 'Invalid batch payload format.');
    // 20 is allowed, and the outer request needs a valid token of its own.
    expect((await post({ requests: Array.from({ length: 20 }, (_, i) => get(String(i), '/me')) })).status).toBe(200);
    expect((await post({ requests: [get('1')] }, 'v1.0', 'Bearer forged')).status).toBe(401);
    expect(graph.requests.filter((r) => r.batchId)).toHaveLength(20);
  });

  it('answers each member as if sent alone: 1 of 20 staff reads 200, 19 refused as each business refuses outsiders, in an order that is not the request order', async () => {
    const { seed, users } = largeTenant({ businesses: 500, staffPerBusiness: 10, users: 30, placesPerUser: 1, appointmentsPerPlace: 2 }, new Date());
    await start({ seed, pageSize: 50 }, users[0]!.directory.userPrincipalName);
    const place = users[0]!.places[0]!;
    const businesses = seed.businesses.slice(0, 20);
    expect(businesses).toContain(place);
    const requests = businesses.map((b, i) => ({ id: String(i + 1), method: 'GET', url: `/solutions/bookingBusinesses/${encodeURIComponent(b.id)}/staffMembers` }));
    const responses = await batch(requests);

    expect(responses.map((r) => r.id)).not.toEqual(requests.map((r) => r.id));
    expect(responses.map((r) => r.id).sort()).toEqual(requests.map((r) => r.id).sort());
    const answers = byId(responses);
    businesses.forEach((business, i) => {
      const answer = answers[String(i + 1)]!;
      if (business === place) {
        expect(answer).toMatchObject({ status: 200, headers: { 'Content-Type': expect.stringMatching(/^application\/json;odata\.metadata=minimal/) } });
        expect(answer.body!.value).toHaveLength(10);
      } else {
        expect(answer.status, business.id).toBe(business.refusesOutsidersWith);
        expect(answer.body!.error!.code).toBe(business.refusesOutsidersWith === 403 ? 'ErrorAccessDenied' : 'ErrorFolderNotFound');
        expect(answer.body!.error!.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
      }
    });
  });

  it('holds each member to the mailbox limit: 5 members to one business answer 4 × 200 and 1 × 429 with Retry-After in its headers', async () => {
    await start({ latencyMs: 200, throttleRetryAfterSeconds: 2 });
    const responses = await batch(Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, method: 'GET', url: contosoStaff })));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 429]);
    const throttled = responses.find((r) => r.status === 429)!;
    expect(throttled.headers).toMatchObject({ 'Retry-After': '2', 'Content-Type': expect.stringMatching(/^application\/json/) });
    expect(throttled.body!.error!.code).toBe('TooManyRequests');
    expect(graph.throttled).toBe(1);

    // A batch and single requests of the same app share the mailbox's four.
    const [single, members] = await Promise.all([
      Promise.all(Array.from({ length: 3 }, () => fetch(`${graph.url}v1.0${contosoStaff}`, { headers: { Authorization: auth } }).then((r) => r.status))),
      batch([{ id: '1', method: 'GET', url: contosoStaff }, { id: '2', method: 'GET', url: contosoStaff }, { id: '3', method: 'GET', url: `/solutions/bookingBusinesses/${encodeURIComponent(FABRIKAM)}/staffMembers` }]),
    ]);
    expect([...single, ...members.map((m) => m.status)].filter((s) => s === 429)).toHaveLength(1);
    expect(byId(members)['3']!.status).toBe(200);
  });

  it('records the $batch once and each member with its path, method, Prefer, body, user and the batch\'s request-id', async () => {
    await start();
    const first = graph.store.calendarView(graph.store.business(CONTOSO)!, new Date(), new Date(Date.now() + 14 * 864e5))[0]!;
    const cancel = `/solutions/bookingBusinesses/${encodeURIComponent(CONTOSO)}/appointments/${encodeURIComponent(first.id)}/cancel`;
    const answer = await post({
      requests: [
        { id: 'roles', method: 'GET', url: `${contosoStaff.slice(1)}?$top=5`, headers: { Prefer: 'include-unknown-enum-members' } },
        { id: 'cancel', method: 'POST', url: cancel, headers: { 'content-type': 'application/json' }, body: { cancellationMessage: 'Sorry' } },
      ],
    });
    const batchId = answer.response.headers.get('request-id')!;
    const members = byId(answer.body.responses);
    expect(members.roles!.body!.value!.map((s) => s.role)).toContain('scheduler');
    expect(members.cancel).toEqual({ id: 'cancel', status: 204, headers: { 'Cache-Control': 'no-cache' } });
    expect(graph.store.cancellations).toHaveLength(1);

    expect(graph.requests.map(({ method, path, prefer, body, user, batchId }) => ({ method, path, prefer, body, user, batchId }))).toEqual([
      { method: 'POST', path: '/v1.0/$batch', prefer: [], body: expect.objectContaining({ requests: expect.any(Array) }), user: ADELE, batchId: undefined },
      { method: 'GET', path: `/v1.0${contosoStaff}`, prefer: ['include-unknown-enum-members'], body: undefined, user: ADELE, batchId },
      { method: 'POST', path: `/v1.0${cancel}`, prefer: [], body: { cancellationMessage: 'Sorry' }, user: ADELE, batchId },
    ]);
  });

  it('plays faults on member paths, and with dependsOn runs members in order and fails dependants of a failed member with 424', async () => {
    await start({ latencyMs: 50 });
    graph.faults.add({ method: 'GET', pathIncludes: 'FabrikamWellness', status: 503, retryAfterSeconds: 4 });
    const fabrikamStaff = `/solutions/bookingBusinesses/${encodeURIComponent(FABRIKAM)}/staffMembers`;
    const responses = byId(
      await batch([
        { id: '1', method: 'GET', url: contosoStaff },
        { id: '2', method: 'GET', url: '/me', dependsOn: ['1'] },
        { id: '3', method: 'GET', url: fabrikamStaff, dependsOn: ['2'] },
        { id: '4', method: 'GET', url: contosoStaff, dependsOn: ['3'] },
      ]),
    );
    expect(Object.values(responses).map((r) => [r.id, r.status])).toEqual(expect.arrayContaining([['1', 200], ['2', 200], ['3', 503], ['4', 424]]));
    expect(responses['3']!.headers['Retry-After']).toBe('4');
    const members = graph.requests.filter((r) => r.batchId);
    for (let i = 1; i < 3; i++) expect(members[i]!.startedAt).toBeGreaterThanOrEqual(members[i - 1]!.endedAt!);
  });

  it('executes every member as the outer request\'s caller, whatever Authorization it carries, and reads its url relative to the version', async () => {
    await start({}, LEE_NOT_STAFF);
    const responses = await batch([
      { id: 'a', method: 'GET', url: `/solutions/bookingBusinesses/${encodeURIComponent(FABRIKAM)}/staffMembers`, headers: { Authorization: 'Bearer someone-else' } },
      { id: 'b', method: 'GET', url: 'me' },
      { id: 'c', method: 'GET', url: `/v1.0${contosoStaff}` },
    ]);
    expect(byId(responses)).toMatchObject({ a: { status: 404 }, b: { status: 200 }, c: { status: 400, body: { error: { message: "Resource not found for the segment 'v1.0'." } } } });
  });
});
