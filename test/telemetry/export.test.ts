import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf } from '../../src/logging/logContext.js';
import { LocalGraphService } from '../../src/local-graph/server.js';
import { actionsOf, type Card, clickActivity, postActivity, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { BotProcess } from '../helpers/botProcess.js';
import { FakeConnector } from '../helpers/connector.js';
import { cancellationsPerDay, howManyThrottles, howSlowIsGraph, isOneInstanceUnwell, tablesOf, whyDidTheClickFail } from '../helpers/kql.js';
import { ADELE, CONTOSO } from '../helpers/localGraph.js';
import { runtimeFlags } from '../helpers/nodeFlags.js';
import { productionEnv } from '../helpers/productionHarness.js';
import { EGRESS_GUARD_NODE_OPTIONS } from '../helpers/standins/egressGuard.js';
import { LocalEntra } from '../helpers/standins/entra.js';
import { IngestionStandIn, TEST_INSTRUMENTATION_KEY } from '../helpers/standins/ingestion.js';
import { LocalTokenService } from '../helpers/standins/tokenService.js';
import { CANCELLATION_MESSAGE, leaks, privateValues, recognisableSeed } from '../helpers/telemetry.js';

const TEAMS = teamsActivity({}) as { from: { id: string; aadObjectId: string }; conversation: { id: string } };

/**
 * Issue 33, end to end: the bot in its own process, production mode, with APPLICATIONINSIGHTS_CONNECTION_STRING
 * pointing at the ingestion stand-in: the real distro and exporter, the egress guard in the bot's NODE_OPTIONS (it
 * may reach loopback only), statsbeat off. A user lists, opens a Cancel prompt, confirms with a message, and makes
 * one click that fails; a Graph read is throttled once. Then the bot is stopped (SIGTERM: its shutdown flushes) and
 * what the stand-in accepted is read: a request and a Graph dependency per click, metrics, no customer data in any
 * exported string, and the five operator queries (docs/operations.md) evaluated over the envelopes.
 */
describe('telemetry exported by the real distro to the ingestion stand-in (bot in its own process)', () => {
  const seed = recognisableSeed(new Date());
  const stand = new IngestionStandIn({ instrumentationKey: TEST_INSTRUMENTATION_KEY });
  let entra: LocalEntra;
  let tokenService: LocalTokenService;
  let connector: FakeConnector;
  let graph: LocalGraphService;
  let bot: BotProcess;
  let offlineDir: string;
  const turnIds = { list: 'e2e-list', prompt: 'e2e-prompt', confirm: 'e2e-confirm', gone: 'e2e-gone' };

  beforeAll(async () => {
    await stand.start();
    entra = await new LocalEntra(seed.users).start();
    tokenService = await new LocalTokenService(entra).start();
    connector = await new FakeConnector(entra).start();
    graph = new LocalGraphService({ trustedIssuer: { issuer: entra.issuer, jwksUri: entra.jwksUri }, seed });
    await graph.start();
    // The exporter keeps batches it could not send under os.tmpdir(), and sends leftovers at start: this run's own.
    offlineDir = mkdtempSync(join(tmpdir(), 'bookings-telemetry-'));
    bot = await new BotProcess(
      'telemetry',
      'src/index.ts',
      {
        ...productionEnv({ entra, tokenService, connector, graph }),
        APPLICATIONINSIGHTS_CONNECTION_STRING: stand.connectionString(),
        APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
        NODE_OPTIONS: EGRESS_GUARD_NODE_OPTIONS,
        TMPDIR: offlineDir,
      },
      runtimeFlags(),
      true,
    ).start();
    await tokenService.signInDirectly(TEAMS.from.id, entra.user(ADELE));

    const authorization = async () => ({ Authorization: await connector.channelAuthorization(connector.url) });
    const click = async (id: string, verb: unknown, data: unknown) => (await postActivity(bot.url, connector.url, clickActivity(verb, data, { id }), authorization)).body as { value: Card };
    const list = await click(turnIds.list, 'appointments.list', {});
    const cancel = actionsOf(list.value).find((a) => a.title === 'Cancel' && (a.data as { businessId: string }).businessId === CONTOSO)!;
    // Graph throttles the prompt's read once (Retry-After 1 s): the turn waits it out.
    graph.faults.add({ method: 'GET', pathIncludes: '/appointments/', status: 429, retryAfterSeconds: 1 });
    const prompt = await click(turnIds.prompt, cancel.verb, cancel.data);
    const confirm = actionsOf(prompt.value).find((a) => a.title === 'Confirm cancellation')!;
    const done = await click(turnIds.confirm, confirm.verb, { ...(confirm.data as object), cancellationMessage: CANCELLATION_MESSAGE });
    expect(textsOf(done.value)).toContain('✓ Appointment cancelled');
    await click(turnIds.gone, 'appointment.cancel.prompt', { businessId: CONTOSO, appointmentId: 'AAMkNoSuchAppointment=' });
    // SIGTERM: the bot finishes, and its shutdown flushes spans and metrics (shutdownAzureMonitor).
    await bot.stop();
  }, 60_000);

  afterAll(async () => {
    await bot?.kill();
    await Promise.all([stand.stop(), graph?.stop(), connector?.stop(), tokenService?.stop(), entra?.stop()]);
    rmSync(offlineDir, { recursive: true, force: true });
  });

  const requestOf = (turnId: string) => stand.requests.find((r) => r.data?.baseData?.properties?.['bot.turn'] === turnId)!;

  it('sends one request per click, and under it a dependency for each Graph call (plain JSON to /v2.1/track, every post accepted)', () => {
    expect(stand.posts.length).toBeGreaterThan(0);
    expect(stand.posts.every((p) => p.status === 200 && p.path === '/v2.1/track' && p.contentType === 'application/json')).toBe(true);
    // Nothing else was asked for: no Live Metrics, no statsbeat.
    expect(stand.strays).toEqual([]);
    expect(stand.requests.map((r) => r.data?.baseData?.name).sort()).toEqual(['invoke appointment.cancel.confirm', 'invoke appointment.cancel.prompt', 'invoke appointment.cancel.prompt', 'invoke appointments.list']);
    for (const turnId of Object.values(turnIds)) {
      const request = requestOf(turnId);
      const graphCalls = stand.dependencies.filter((d) => d.tags?.['ai.operation.id'] === request.tags?.['ai.operation.id'] && d.data?.baseData?.properties?.['bot.service'] === 'graph');
      expect(graphCalls.length, turnId).toBeGreaterThan(0);
      for (const call of graphCalls) {
        expect(call.tags?.['ai.operation.parentId']).toBe(request.data?.baseData?.id);
        expect(call.data?.baseData).toMatchObject({ type: 'Http', target: new URL(graph.url).host });
      }
    }
    expect(requestOf(turnIds.confirm).tags).toMatchObject({ 'ai.operation.name': 'invoke appointment.cancel.confirm', 'ai.user.id': hashOf(TEAMS.from.aadObjectId) });
    const post = stand.dependencies.find((d) => d.tags?.['ai.operation.id'] === requestOf(turnIds.confirm).tags?.['ai.operation.id'])!;
    expect(post.data?.baseData).toMatchObject({
      name: 'POST /v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId/cancel',
      data: `${graph.url}v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId/cancel`,
      resultCode: '204',
      success: true,
    });
    expect(requestOf(turnIds.gone).data?.baseData).toMatchObject({ success: false, properties: { 'bot.outcome': 'failed', 'bot.error_code': 'notFound' } });
  });

  it('sends the metrics: clicks by verb and outcome, the cancellation, the throttled read and its wait, latencies', () => {
    const sum = (name: string, properties: Record<string, string> = {}) =>
      stand.metricPoints(name).filter((p) => Object.entries(properties).every(([k, v]) => p.properties[k] === v)).reduce((n, p) => n + p.value, 0);
    expect(sum('bookings.clicks', { verb: 'appointments.list', outcome: 'ok' })).toBe(1);
    expect(sum('bookings.clicks', { verb: 'appointment.cancel.prompt', outcome: 'failed', error_code: 'notFound' })).toBe(1);
    expect(sum('bookings.cancellations', { outcome: 'cancelled' })).toBe(1);
    expect(sum('bookings.graph.throttled', { status: '429' })).toBe(1);
    expect(stand.metricPoints('bookings.graph.retry_after')[0]).toMatchObject({ value: 1, count: 1, properties: { waited: 'true' } });
    expect(stand.metricPoints('bookings.turn.duration').length).toBeGreaterThan(0);
    expect(stand.metricPoints('bookings.graph.duration').length).toBeGreaterThan(0);
  });

  it('holds no customer data: no exported string (tags, fields, property keys and values) has a name, address, phone, message, token or id', () => {
    const tokens = graph.requests.flatMap((r) => (r.authorization ? [r.authorization.replace(/^Bearer /i, '')] : []));
    const secrets = [...privateValues(seed, tokens), TEAMS.from.id, TEAMS.conversation.id, TEAMS.from.aadObjectId];
    const strings = stand.exportedStrings();
    expect(strings.length).toBeGreaterThan(300);
    expect(leaks(strings, secrets)).toEqual([]);
    // No exception, log record or event left either (only spans and metrics are made).
    expect([stand.exceptions, stand.messages, stand.events]).toEqual([[], [], []]);
  });

  it("the bot's log lines lead to the trace: each line of a turn carries its operation_Id, and it reached loopback only", () => {
    const lines = bot.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const turnId of Object.values(turnIds)) {
      const ofTurn = lines.filter((l) => l.turn === turnId);
      expect(ofTurn.length, turnId).toBeGreaterThan(0);
      for (const line of ofTurn) expect(line.trace, `${turnId}: ${String(line.msg)}`).toBe(requestOf(turnId).tags?.['ai.operation.id']);
    }
    expect(lines.find((l) => l.msg === 'Telemetry on: traces and metrics go to Application Insights')).toMatchObject({ auth: 'instrumentationKey' });
    // The distro's one attempt off loopback, the VM metadata address, was refused by the guard.
    const refused = bot.stderr.filter((l) => l.startsWith('egress guard: refused'));
    expect(new Set(refused)).toEqual(new Set(['egress guard: refused 169.254.169.254:80']));
  });

  it('answers the five operator questions (docs/operations.md) from these envelopes', () => {
    const tables = tablesOf(stand.envelopes);
    const answers = {
      whyDidTheClickFail: whyDidTheClickFail(tables, hashOf(TEAMS.from.aadObjectId)),
      howSlowIsGraph: howSlowIsGraph(tables),
      howManyThrottles: howManyThrottles(tables),
      cancellationsPerDay: cancellationsPerDay(tables),
      isOneInstanceUnwell: isOneInstanceUnwell(tables),
    };
    expect(answers.whyDidTheClickFail).toEqual([
      expect.objectContaining({ name: 'invoke appointment.cancel.prompt', verb: 'appointment.cancel.prompt', outcome: 'failed', error: 'notFound', call: 'GET /v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId', resultCode: '404', callOk: false, retries: 0 }),
    ]);
    expect(answers.howSlowIsGraph.map((r) => r.name)).toContain('POST /v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId/cancel');
    expect(answers.howManyThrottles.throttledAnswers).toEqual([expect.objectContaining({ route: '/v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId', status: '429', answers: 1 })]);
    expect(answers.howManyThrottles.retryAfter).toEqual([expect.objectContaining({ waited: 'true', waits: 1, totalWaitS: 1 })]);
    expect(answers.cancellationsPerDay).toEqual([{ day: expect.any(String), cancelled: 1 }]);
    expect(answers.isOneInstanceUnwell).toEqual([expect.objectContaining({ turns: 4, failedPct: 25 })]);
    // For docs/operations.md: the answers, and the trace of the Confirm click as exported.
    const confirmOperation = requestOf(turnIds.confirm).tags?.['ai.operation.id'];
    const trace = stand.envelopes.filter((e) => e.tags?.['ai.operation.id'] === confirmOperation);
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/telemetry-operator-answers.json', JSON.stringify(answers, null, 2));
    writeFileSync('test-artifacts/telemetry-confirm-trace.json', JSON.stringify(trace, null, 2));
  });
});
