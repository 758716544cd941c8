import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf } from '../../src/logging/logContext.js';
import { actionsOf, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE, CONTOSO } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';
import { CANCELLATION_MESSAGE, inMemoryTelemetry, leaks, type MetricPoint, privateValues, recognisableSeed, telemetryStrings } from '../helpers/telemetry.js';

const TEAMS = teamsActivity({}) as { from: { id: string; aadObjectId: string }; conversation: { id: string } };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Issue 33: the spans' tree and attributes of a list and of a Confirm, and the metrics they record, read from
 * in-memory exporters: the real bot in production mode (every peer a local stand-in), its telemetry built on local
 * OpenTelemetry providers (src/telemetry/otelTelemetry.ts, as the distro would be given them).
 */
describe('telemetry of a list and a Confirm (in-memory exporters)', () => {
  const seed = recognisableSeed(new Date());
  const memory = inMemoryTelemetry();
  /** Every span and metric point of the file, for the privacy check at the end. */
  const allSpans: ReadableSpan[] = [];
  const allMetrics: MetricPoint[] = [];
  let h: ProductionHarness;

  beforeAll(async () => {
    h = await startProductionBot({}, { seed, telemetry: memory.telemetry });
    await h.tokenService.signInDirectly(TEAMS.from.id, h.entra.user(ADELE));
  });
  afterAll(() => h.stop());

  /** The spans of the turn whose activity had this id: its SERVER span, and every span under it. */
  const turnOf = (turnId: string) => {
    const spans = memory.spans();
    allSpans.push(...spans);
    memory.reset();
    const turn = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['bot.turn'] === turnId);
    if (!turn) throw new Error(`no span for turn ${turnId}: ${spans.map((s) => s.name).join(', ')}`);
    const children = spans.filter((s) => s.parentSpanContext?.spanId === turn.spanContext().spanId);
    return { turn, children, all: spans };
  };
  const metrics = async () => {
    const points = await memory.metrics();
    allMetrics.push(...points);
    return points;
  };
  const logLine = (turnId: string, msg: string) => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.turn === turnId && l.msg === msg);

  it("a user's first list: one SERVER span (a request) and, under it, a CLIENT span for the Token Service, Entra's on-behalf-of and each Graph call", async () => {
    const list = await h.click('appointments.list', {}, { id: 'turn-list-1' });
    expect(textsOf(list.body.value)[0]).toBe('Your upcoming appointments');
    const { turn, children } = turnOf('turn-list-1');

    expect(turn.name).toBe('invoke appointments.list');
    expect(turn.status.code).toBe(SpanStatusCode.OK);
    expect(turn.attributes).toEqual({
      'bot.activity': 'invoke',
      'bot.invoke': 'adaptiveCard/action',
      'bot.channel': 'msteams',
      'bot.locale': 'en-US',
      'bot.turn': 'turn-list-1',
      'bot.conversation': hashOf(TEAMS.conversation.id),
      'enduser.pseudo.id': hashOf(TEAMS.from.aadObjectId),
      'bot.verb': 'appointments.list',
      'bot.outcome': 'ok',
    });
    // Every call of the turn (the scan of the tenant for Adele's businesses included) hangs under it, in its trace.
    expect(children.every((s) => s.kind === SpanKind.CLIENT && s.spanContext().traceId === turn.spanContext().traceId)).toBe(true);
    expect([...new Set(children.map((s) => s.name))].sort()).toEqual([
      'GET /api/usertoken/GetToken',
      'GET /v1.0/me',
      'GET /v1.0/solutions/bookingBusinesses',
      'GET /v1.0/solutions/bookingBusinesses/:businessId/calendarView',
      'POST /:tenant/oauth2/v2.0/token',
      'POST /v1.0/$batch',
    ]);
    const named = (name: string) => children.find((s) => s.name === name)!;
    expect(named('GET /api/usertoken/GetToken').attributes).toEqual({
      'http.request.method': 'GET',
      'url.full': `${h.tokenService.url}/api/usertoken/GetToken`,
      'server.address': new URL(h.tokenService.url).host,
      'bot.service': 'tokenService',
    });
    expect(named('POST /:tenant/oauth2/v2.0/token').attributes).toEqual({
      'http.request.method': 'POST',
      'url.full': `${h.entra.authorityHost}/:tenant/oauth2/v2.0/token`,
      'server.address': new URL(h.entra.authorityHost).host,
      'bot.service': 'entra',
      'http.response.status_code': 200,
      'bot.token_cache': 'miss',
    });
    const calendar = named('GET /v1.0/solutions/bookingBusinesses/:businessId/calendarView');
    expect(calendar.attributes).toEqual({
      'http.request.method': 'GET',
      // The template, never the real URL: no business mailbox, no query string (the window's days).
      'url.full': `${h.graph.url}v1.0/solutions/bookingBusinesses/:businessId/calendarView`,
      'server.address': new URL(h.graph.url).host,
      'bot.service': 'graph',
      'http.response.status_code': 200,
      'graph.request_id': expect.stringMatching(GUID),
      'graph.client_request_id': expect.stringMatching(GUID),
      'http.request.resend_count': 0,
    });
    // The log line leads to the trace: the trace id, and our client-request-id of each Graph call.
    const handled = logLine('turn-list-1', 'action handled')!;
    expect(handled).toMatchObject({ trace: turn.spanContext().traceId, user: hashOf(TEAMS.from.aadObjectId), verb: 'appointments.list' });
    const graphSpans = children.filter((s) => s.attributes['bot.service'] === 'graph');
    expect((handled.clientRequestIds as string[]).sort()).toEqual(graphSpans.map((s) => s.attributes['graph.client_request_id']).sort());
  });

  it('a Confirm: its turn and, under it, the one far-side call it makes, Graph\'s cancel POST (204, ids, no retry)', async () => {
    const list = await h.click('appointments.list', {}, { id: 'turn-list-2' });
    const cancel = actionsOf(list.body.value).find((a) => a.title === 'Cancel' && (a.data as { businessId: string }).businessId === CONTOSO)!;
    const prompt = await h.click(cancel.verb, cancel.data, { id: 'turn-prompt' });
    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    turnOf('turn-prompt');
    const done = await h.click(confirm.verb, { ...(confirm.data as object), cancellationMessage: CANCELLATION_MESSAGE }, { id: 'turn-confirm' });
    expect(textsOf(done.body.value)).toContain('✓ Appointment cancelled');
    const { turn, children, all } = turnOf('turn-confirm');

    expect(turn).toMatchObject({ name: 'invoke appointment.cancel.confirm', status: { code: SpanStatusCode.OK } });
    expect(turn.attributes).toMatchObject({ 'bot.verb': 'appointment.cancel.confirm', 'bot.outcome': 'ok', 'bot.turn': 'turn-confirm' });
    // The user's Graph token is fresh (no Token Service, no Entra) and the grant stands for the reads: the POST alone.
    expect(all).toHaveLength(2);
    expect(children).toHaveLength(1);
    expect(children[0]!.name).toBe('POST /v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId/cancel');
    expect(children[0]!.attributes).toEqual({
      'http.request.method': 'POST',
      'url.full': `${h.graph.url}v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId/cancel`,
      'server.address': new URL(h.graph.url).host,
      'bot.service': 'graph',
      'http.response.status_code': 204,
      'graph.request_id': expect.stringMatching(GUID),
      'graph.client_request_id': h.graph.requests.find((r) => r.method === 'POST' && r.path.endsWith('/cancel'))!.clientRequestId,
      'http.request.resend_count': 0,
    });
    expect(children[0]!.status.code).toBe(SpanStatusCode.OK);
  });

  it('a typed command: its replies through the Bot Connector are spans of the turn too', async () => {
    await h.post(teamsActivity({ type: 'message', text: 'appointments', id: 'turn-typed' }));
    const { turn, children } = turnOf('turn-typed');
    expect(turn).toMatchObject({ name: 'message appointments.list', attributes: expect.objectContaining({ 'bot.activity': 'message', 'bot.verb': 'appointments.list', 'bot.outcome': 'ok' }) });
    const connector = children.filter((s) => s.attributes['bot.service'] === 'connector');
    // The typing indicator, then the card: each a reply to the typed message.
    expect(connector.map((s) => s.name)).toEqual(['POST /v3/conversations/:conversationId/activities/:activityId', 'POST /v3/conversations/:conversationId/activities/:activityId']);
    expect(connector[0]!.attributes).toEqual({
      'http.request.method': 'POST',
      'url.full': `${new URL(h.connector.url).origin}/v3/conversations/:conversationId/activities/:activityId`,
      'server.address': new URL(h.connector.url).host,
      'bot.service': 'connector',
    });
    expect(connector.every((s) => s.status.code === SpanStatusCode.OK)).toBe(true);
  });

  it("holds only a user the channel vouches for: a Web Chat client writing Adele's object id into `from` gets no user hash", async () => {
    const claimed = { ...teamsActivity({ type: 'message', text: 'help', id: 'turn-webchat' }), channelId: 'webchat', from: { id: 'webchat-someone', aadObjectId: TEAMS.from.aadObjectId }, entities: [] };
    await h.post(claimed);
    const { turn } = turnOf('turn-webchat');
    expect(turn.attributes['bot.channel']).toBe('webchat');
    expect(turn.attributes['enduser.pseudo.id']).toBeUndefined();
    expect(h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.turn === 'turn-webchat' && 'user' in l)).toEqual([]);
  });

  it('records the clicks, the cancellation, the turns\' and Graph\'s latency, the token cache and the discovery as metrics', async () => {
    const points = await metrics();
    const sum = (name: string, attributes: Record<string, string>) =>
      points.filter((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);
    expect(sum('bookings.clicks', { verb: 'appointments.list', outcome: 'ok' })).toBe(3);
    expect(sum('bookings.clicks', { verb: 'appointment.cancel.prompt', outcome: 'ok' })).toBe(1);
    expect(sum('bookings.clicks', { verb: 'appointment.cancel.confirm', outcome: 'ok' })).toBe(1);
    expect(points.filter((p) => p.name === 'bookings.cancellations')).toEqual([{ name: 'bookings.cancellations', attributes: { outcome: 'cancelled' }, value: 1 }]);
    expect(sum('bookings.turn.duration', { activity: 'invoke' })).toBe(4);
    expect(sum('bookings.turn.duration', { activity: 'message', verb: 'appointments.list' })).toBe(1);
    expect(sum('bookings.graph.duration', { method: 'POST', route: '/v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId/cancel', status_class: '2xx' })).toBe(1);
    // The first list exchanged (miss), the later clicks found Adele's Graph token (hit); her places likewise.
    expect(sum('bookings.token_cache.lookups', { cache: 'obo', result: 'miss' })).toBe(1);
    expect(sum('bookings.token_cache.lookups', { cache: 'obo', result: 'hit' })).toBeGreaterThan(0);
    expect(sum('bookings.token_cache.lookups', { cache: 'membership', result: 'miss' })).toBeGreaterThan(0);
    expect(sum('bookings.token_cache.lookups', { cache: 'membership', result: 'hit' })).toBeGreaterThan(0);
    expect(sum('bookings.discovery.duration', { result: 'complete', refresh: 'false' })).toBe(1);
  });

  it("a 429 that Graph's Retry-After lets the turn wait out: one span with its retry, counted as throttled and waited", async () => {
    h.graph.faults.add({ method: 'GET', pathIncludes: '/calendarView', status: 429, retryAfterSeconds: 1 });
    await h.click('appointments.list', {}, { id: 'turn-throttled' });
    const { children } = turnOf('turn-throttled');
    const throttled = children.find((s) => s.attributes['http.request.resend_count'] === 1)!;
    expect(throttled.attributes).toMatchObject({ 'http.response.status_code': 200, 'graph.retry_after_s': 1 });
    const points = await metrics();
    const route = '/v1.0/solutions/bookingBusinesses/:businessId/calendarView';
    expect(points.filter((p) => p.name === 'bookings.graph.throttled')).toEqual([{ name: 'bookings.graph.throttled', attributes: { route, status: '429' }, value: 1 }]);
    expect(points.find((p) => p.name === 'bookings.graph.retry_after')).toMatchObject({ attributes: { route, waited: 'true' }, value: { count: 1, sum: 1 } });
  });

  it('a failed click: the turn\'s span is an error with the code (no message), and so is its Graph call', async () => {
    await h.click('appointment.cancel.prompt', { businessId: CONTOSO, appointmentId: 'AAMkNoSuchAppointment=' }, { id: 'turn-gone' });
    const { turn, children } = turnOf('turn-gone');
    expect(turn.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(turn.attributes).toMatchObject({ 'bot.verb': 'appointment.cancel.prompt', 'bot.outcome': 'failed', 'bot.error_code': 'notFound' });
    const read = children.find((s) => s.name === 'GET /v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId')!;
    expect(read.attributes['http.response.status_code']).toBe(404);
    expect(read.status.code).toBe(SpanStatusCode.ERROR);
    await h.click('appointments.bogus', {}, { id: 'turn-forged' });
    expect(turnOf('turn-forged').turn).toMatchObject({ name: 'invoke adaptiveCard/action', attributes: expect.objectContaining({ 'bot.outcome': 'failed', 'bot.error_code': 'invalidAction' }) });
    expect((await metrics()).find((p) => p.name === 'bookings.clicks')).toMatchObject({ attributes: { verb: 'appointment.cancel.prompt', outcome: 'failed', error_code: 'notFound' }, value: 1 });
  });

  it('holds no customer data, message, token or id in clear: every span attribute and metric attribute of the file checked', async () => {
    await metrics();
    expect(allSpans.length).toBeGreaterThan(20);
    const tokens = h.graph.requests.flatMap((r) => (r.authorization ? [r.authorization.replace(/^Bearer /i, '')] : []));
    expect(tokens.length).toBeGreaterThan(0);
    const secrets = [...privateValues(seed, tokens), TEAMS.from.id, TEAMS.conversation.id, TEAMS.from.aadObjectId];
    const strings = telemetryStrings(allSpans, allMetrics);
    expect(strings.length).toBeGreaterThan(200);
    expect(leaks(strings, secrets)).toEqual([]);
  });
});
