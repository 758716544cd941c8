import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installEgressGuard, isLoopback, type EgressGuard } from '../helpers/standins/egressGuard.js';
import { IngestionStandIn, TEST_INSTRUMENTATION_KEY, type Envelope, type TrackResponse } from '../helpers/standins/ingestion.js';

const now = () => new Date().toISOString();

function envelope(baseType: string, baseData: Record<string, unknown>, overrides: Partial<Envelope> = {}): Envelope {
  const names: Record<string, string> = { RequestData: 'Request', RemoteDependencyData: 'RemoteDependency', MetricData: 'Metric', MessageData: 'Message' };
  return {
    ver: 1,
    name: `Microsoft.ApplicationInsights.${names[baseType] ?? 'Event'}`,
    time: now(),
    sampleRate: 100,
    iKey: TEST_INSTRUMENTATION_KEY,
    tags: { 'ai.cloud.role': 'bookings-bot', 'ai.cloud.roleInstance': 'instance-a', 'ai.operation.id': '0af7651916cd43dd8448eb211c80319c' },
    data: { baseType, baseData: { ver: 2, ...baseData } },
    ...overrides,
  };
}

const request = envelope('RequestData', { id: 'b7ad6b7169203331', name: 'invoke appointments.cancel', duration: '00:00:00.120', success: true, responseCode: '0', properties: { 'bot.verb': 'cancel', 'bot.outcome': 'ok' } });
const dependency = envelope('RemoteDependencyData', { id: '00f067aa0ba902b7', name: 'GET /v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId', type: 'Http', target: 'graph.microsoft.com', resultCode: '429', duration: '00:00:00.040', success: false, properties: { 'graph.retry_count': '2' } });
const metric = envelope('MetricData', { metrics: [{ name: 'bookings.clicks', kind: 'Aggregation', value: 3, count: 1 }], properties: { verb: 'cancel', outcome: 'ok' } });

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string | null; body: TrackResponse }> {
  const response = await fetch(`${url}/v2.1/track`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as TrackResponse };
}

describe('the ingestion stand-in, with hand-made envelopes', () => {
  const stand = new IngestionStandIn({ instrumentationKey: TEST_INSTRUMENTATION_KEY });
  beforeAll(async () => {
    await stand.start();
  });
  afterAll(() => stand.stop());
  beforeEach(() => stand.reset());

  it('accepts a JSON array as the service does (200, itemsReceived = itemsAccepted) and sorts it by baseType', async () => {
    const answer = await post(stand.url, JSON.stringify([request, dependency, metric]));
    expect(answer).toEqual({ status: 200, retryAfter: null, body: { itemsReceived: 3, itemsAccepted: 3, errors: [] } });
    expect(stand.requests.map((e) => e.data?.baseData?.name)).toEqual(['invoke appointments.cancel']);
    expect(stand.dependencies[0]?.data?.baseData).toMatchObject({ resultCode: '429', target: 'graph.microsoft.com', success: false });
    expect(stand.metricPoints('bookings.clicks')).toEqual([expect.objectContaining({ value: 3, count: 1, properties: { verb: 'cancel', outcome: 'ok' } })]);
    expect(stand.posts[0]).toMatchObject({ path: '/v2.1/track', contentType: 'application/json', status: 200 });
    expect(stand.connectionString()).toBe(`InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=${stand.url}/;LiveEndpoint=${stand.url}/`);
  });

  it('reads a gzip body and x-json-stream (one envelope per line), as other SDKs send', async () => {
    const lines = [request, metric].map((e) => JSON.stringify(e)).join('\n');
    const answer = await post(stand.url, gzipSync(lines), { 'Content-Type': 'application/x-json-stream', 'Content-Encoding': 'gzip' });
    expect(answer.body).toEqual({ itemsReceived: 2, itemsAccepted: 2, errors: [] });
    expect(stand.posts[0]?.contentEncoding).toBe('gzip');
    expect(stand.envelopes).toHaveLength(2);
  });

  it('refuses items one by one (206), or the whole post when none is valid (400), with the swagger\'s messages', async () => {
    const stale = { ...request, time: new Date(Date.now() - 3 * 86_400_000).toISOString() };
    const otherResource = { ...dependency, iKey: '11111111-1111-4111-8111-111111111111' };
    const partial = await post(stand.url, JSON.stringify([request, stale, otherResource]));
    expect(partial.status).toBe(206);
    expect(partial.body).toEqual({
      itemsReceived: 3,
      itemsAccepted: 1,
      errors: [
        { index: 1, statusCode: 400, message: "103: Field 'time' on type 'Envelope' is older than the allowed min date." },
        { index: 2, statusCode: 400, message: 'Invalid instrumentation key' },
      ],
    });
    expect(stand.envelopes).toEqual([request]);
    const none = await post(stand.url, JSON.stringify([{ ...metric, name: '' }]));
    expect(none.status).toBe(400);
    expect(none.body.errors[0]).toMatchObject({ index: 0, statusCode: 400 });
    expect((await post(stand.url, 'not json')).status).toBe(400);
    expect(stand.envelopes).toEqual([request]);
  });

  it('answers refusals in order, for as many posts as told, with Retry-After; accept() ends an outage', async () => {
    stand.refuse({ status: 429, retryAfterSeconds: 7 });
    stand.refuse({ status: 206, indexes: [0], itemStatus: 500 });
    stand.refuse({ status: 503, times: Infinity });
    const throttled = await post(stand.url, JSON.stringify([request, metric]));
    expect(throttled).toEqual({ status: 429, retryAfter: '7', body: { itemsReceived: 2, itemsAccepted: 0, errors: [expect.objectContaining({ index: 0, statusCode: 429 }), expect.objectContaining({ index: 1, statusCode: 429 })] } });
    const partial = await post(stand.url, JSON.stringify([request, metric]));
    expect(partial).toMatchObject({ status: 206, body: { itemsReceived: 2, itemsAccepted: 1, errors: [{ index: 0, statusCode: 500 }] } });
    expect(stand.envelopes).toEqual([metric]);
    for (let i = 0; i < 3; i++) expect((await post(stand.url, JSON.stringify([request]))).status).toBe(503);
    stand.accept();
    expect((await post(stand.url, JSON.stringify([request]))).status).toBe(200);
    expect(stand.posts.map((p) => p.status)).toEqual([429, 206, 503, 503, 503, 200]);
  });

  it('keeps requests to other paths apart (Live Metrics, a wrong path) and answers them 404', async () => {
    const response = await fetch(`${stand.url}/QuickPulseService.svc/ping?ikey=x`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(stand.strays).toEqual([{ method: 'POST', path: '/QuickPulseService.svc/ping' }]);
    expect(stand.posts).toEqual([]);
  });

  it('lists every exported string with where it was, property keys and tags included, for a privacy check', async () => {
    await post(stand.url, JSON.stringify([request, metric]));
    const strings = stand.exportedStrings();
    expect(strings).toContainEqual({ path: 'envelopes[0].data.baseData.properties key', value: 'bot.verb' });
    expect(strings).toContainEqual({ path: 'envelopes[0].data.baseData.properties.bot.verb', value: 'cancel' });
    expect(strings).toContainEqual({ path: 'envelopes[1].tags.ai.cloud.roleInstance', value: 'instance-a' });
    expect(strings).toContainEqual({ path: 'envelopes[1].data.baseData.metrics[0].value', value: '3' });
  });

  it('waitFor says what did arrive when the condition is not met in time', async () => {
    await post(stand.url, JSON.stringify([metric]));
    await expect(stand.waitFor((s) => s.requests.length > 0, 100)).rejects.toThrow(/1 post\(s\), accepted: MetricData/);
  });
});

describe('Entra ID ingestion (DisableLocalAuth): the stand-in asks for a Bearer token', () => {
  const stand = new IngestionStandIn({ requireBearer: true, acceptsToken: (token) => token !== 'eyJ.other-audience' });
  beforeAll(async () => {
    await stand.start();
  });
  afterAll(() => stand.stop());

  it('answers 401 without one, 403 for one it does not take, and accepts the right one', async () => {
    expect((await post(stand.url, JSON.stringify([request]))).status).toBe(401);
    expect((await post(stand.url, JSON.stringify([request]), { Authorization: 'Bearer eyJ.other-audience' })).status).toBe(403);
    expect((await post(stand.url, JSON.stringify([request]), { Authorization: 'Bearer eyJ.fake' })).status).toBe(200);
    expect(stand.posts.map((p) => [p.status, p.authorization])).toEqual([
      [401, undefined],
      [403, 'Bearer eyJ.other-audience'],
      [200, 'Bearer eyJ.fake'],
    ]);
    expect(stand.envelopes).toEqual([request]);
  });
});

// ---- The real distro, end to end. It is loaded from the project once package.json has it, or before that from a
// scratch install named by AZURE_MONITOR_DISTRO_DIR (npm install @azure/monitor-opentelemetry@1.18.1 there).

interface SpanLike {
  end(): void;
  setStatus(status: { code: number }): void;
  spanContext(): { traceId: string; spanId: string };
}
interface OtelApi {
  trace: {
    getTracer(name: string): { startSpan(name: string, options?: { kind?: number; attributes?: Record<string, string | number | boolean> }, context?: unknown): SpanLike };
    getTracerProvider(): { getDelegate(): { forceFlush(): Promise<void> } };
    setSpan(context: unknown, span: SpanLike): unknown;
  };
  metrics: {
    getMeter(name: string): {
      createCounter(name: string): { add(value: number, attributes?: Record<string, string>): void };
      createHistogram(name: string, options?: { unit?: string }): { record(value: number, attributes?: Record<string, string>): void };
    };
    getMeterProvider(): { forceFlush(): Promise<void> };
  };
  context: { disable(): void };
  ROOT_CONTEXT: unknown;
  SpanKind: { SERVER: number; CLIENT: number };
  SpanStatusCode: { ERROR: number };
}
interface FinishedSpan {
  name: string;
  kind: number;
  parentSpanContext?: { spanId: string };
}
interface Distro {
  distro: { useAzureMonitor(options: Record<string, unknown>): void; shutdownAzureMonitor(): Promise<void> };
  exporter: {
    AzureMonitorTraceExporter: new (options: Record<string, unknown>) => { endpointUrl: string; instrumentationKey: string; export(spans: unknown[], done: (result: { code: number; error?: Error }) => void): void; shutdown(): Promise<void> };
  };
  api: OtelApi;
  traceBase: {
    InMemorySpanExporter: new () => { getFinishedSpans(): FinishedSpan[]; reset(): void };
    SimpleSpanProcessor: new (exporter: unknown) => unknown;
  };
}

function loadDistro(): Distro | undefined {
  const dir = process.env.AZURE_MONITOR_DISTRO_DIR;
  const requireFrom = createRequire(dir ? join(dir, 'package.json') : import.meta.url);
  try {
    return {
      distro: requireFrom('@azure/monitor-opentelemetry') as Distro['distro'],
      exporter: requireFrom('@azure/monitor-opentelemetry-exporter') as Distro['exporter'],
      api: requireFrom('@opentelemetry/api') as OtelApi,
      traceBase: requireFrom('@opentelemetry/sdk-trace-base') as Distro['traceBase'],
    };
  } catch {
    return undefined;
  }
}

const loaded = loadDistro();

const DISTRO_SUITE = 'the real distro (@azure/monitor-opentelemetry) against the stand-in';
if (loaded) distroSuite(loaded);
else describe.skip(`${DISTRO_SUITE}: not installed (add it to package.json, or set AZURE_MONITOR_DISTRO_DIR to a scratch install)`, () => it.todo('runs once the distro is installed'));

function distroSuite({ distro, exporter, api, traceBase }: Distro): void {
  describe(DISTRO_SUITE, () => {
    const stand = new IngestionStandIn({ instrumentationKey: TEST_INSTRUMENTATION_KEY });
    const memory = new traceBase.InMemorySpanExporter();
    let guard: EgressGuard;
    const flushTraces = () => api.trace.getTracerProvider().getDelegate().forceFlush();
    const flush = async () => {
      await flushTraces();
      await api.metrics.getMeterProvider().forceFlush();
    };

    beforeAll(async () => {
      // Before the distro exists: it asks the VM metadata address as it starts, and statsbeat would call Microsoft.
      guard = installEgressGuard();
      process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
      delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
      await stand.start();
      distro.useAzureMonitor({
        azureMonitorExporterOptions: { connectionString: stand.connectionString(), disableOfflineStorage: true },
        enableLiveMetrics: false,
        enableStandardMetrics: false,
        enablePerformanceCounters: false,
        // Every span: the default keeps 5 traces a second.
        tracesPerSecond: 0,
        samplingRatio: 1,
        instrumentationOptions: { http: { enabled: false }, azureSdk: { enabled: false }, mongoDb: { enabled: false }, mySql: { enabled: false }, postgreSql: { enabled: false }, redis: { enabled: false }, redis4: { enabled: false } },
        spanProcessors: [new traceBase.SimpleSpanProcessor(memory)],
      });
      // No AsyncLocalStorage (on Node 20 it hooks every promise): parents are passed explicitly.
      api.context.disable();
    });
    afterAll(async () => {
      await distro.shutdownAzureMonitor().catch(() => undefined);
      guard.restore();
      await stand.stop();
    });
    beforeEach(() => {
      stand.reset();
      memory.reset();
    });

    const tracer = () => api.trace.getTracer('bookings-bot');

    it('sends a turn as a request, its Graph call as a dependency under it, and metrics as customMetrics: plain JSON to /v2.1/track', async () => {
      const turn = tracer().startSpan('invoke appointments.cancel', { kind: api.SpanKind.SERVER, attributes: { 'bot.verb': 'cancel', 'bot.outcome': 'ok' } });
      const graph = tracer().startSpan(
        'GET /solutions/bookingBusinesses/:businessId/appointments/:appointmentId',
        {
          kind: api.SpanKind.CLIENT,
          attributes: {
            'http.request.method': 'GET',
            'url.full': 'https://graph.microsoft.com/v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId',
            'server.address': 'graph.microsoft.com',
            'http.response.status_code': 429,
            'graph.request_id': 'c1f83947-0000-4000-8000-000000000001',
            'graph.client_request_id': 'c1f83947-0000-4000-8000-000000000002',
            'graph.retry_count': 2,
          },
        },
        api.trace.setSpan(api.ROOT_CONTEXT, turn),
      );
      graph.setStatus({ code: api.SpanStatusCode.ERROR });
      graph.end();
      turn.end();
      const meter = api.metrics.getMeter('bookings-bot');
      meter.createCounter('bookings.clicks').add(1, { verb: 'cancel', outcome: 'ok' });
      meter.createHistogram('bookings.graph.duration', { unit: 'ms' }).record(120, { method: 'GET', route: 'appointment', status: '429' });
      await flush();

      const [req] = stand.requests;
      const [dep] = stand.dependencies;
      expect(req?.data?.baseData).toMatchObject({ name: 'invoke appointments.cancel', success: true, responseCode: '0', properties: { 'bot.verb': 'cancel', 'bot.outcome': 'ok' } });
      expect(req?.tags).toMatchObject({ 'ai.operation.name': 'invoke appointments.cancel', 'ai.cloud.roleInstance': expect.any(String) });
      // The template's ':' placeholders stay readable ('{id}' would be percent-encoded: the name is the URL's pathname).
      expect(dep?.data?.baseData).toMatchObject({
        name: 'GET /v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId',
        type: 'Http',
        target: 'graph.microsoft.com',
        resultCode: '429',
        success: false,
        properties: { 'graph.request_id': 'c1f83947-0000-4000-8000-000000000001', 'graph.client_request_id': 'c1f83947-0000-4000-8000-000000000002', 'graph.retry_count': '2' },
      });
      expect(Object.keys(dep?.data?.baseData?.properties ?? {})).not.toContain('url.full');
      expect(dep?.tags?.['ai.operation.id']).toBe(req?.tags?.['ai.operation.id']);
      expect(dep?.tags?.['ai.operation.parentId']).toBe(req?.data?.baseData?.id);
      expect(stand.metricPoints('bookings.clicks')).toEqual([expect.objectContaining({ value: 1, count: 1, properties: { verb: 'cancel', outcome: 'ok' } })]);
      expect(stand.metricPoints('bookings.graph.duration')).toEqual([expect.objectContaining({ value: 120, count: 1, min: 120, max: 120 })]);
      expect(stand.metricPoints('_OTELRESOURCE_')).toHaveLength(1);
      expect(stand.posts.every((p) => p.path === '/v2.1/track' && p.contentType === 'application/json' && p.contentEncoding === undefined && p.authorization === undefined)).toBe(true);
      // The in-memory exporter (spanProcessors) saw the same spans: what a test without the stand-in reads.
      expect(memory.getFinishedSpans().map((s) => [s.name, s.kind, s.parentSpanContext?.spanId === turn.spanContext().spanId])).toEqual([
        ['GET /solutions/bookingBusinesses/:businessId/appointments/:appointmentId', api.SpanKind.CLIENT, true],
        ['invoke appointments.cancel', api.SpanKind.SERVER, false],
      ]);
    });

    it('a 503 with Retry-After is asked again within the same export (core-rest-pipeline), and arrives once', async () => {
      stand.refuse({ status: 503, retryAfterSeconds: 1 });
      tracer().startSpan('invoke appointments.list', { kind: api.SpanKind.SERVER }).end();
      await flushTraces();
      expect(stand.posts.map((p) => p.status)).toEqual([503, 200]);
      expect(stand.requests).toHaveLength(1);
    });

    it('a 400 for the whole batch is dropped, not retried, and forceFlush rejects with it: shutdown code must catch', async () => {
      stand.refuse({ status: 400 });
      tracer().startSpan('invoke appointments.list', { kind: api.SpanKind.SERVER }).end();
      await expect(flushTraces()).rejects.toBeDefined();
      expect(stand.posts.map((p) => p.status)).toEqual([400]);
      expect(stand.envelopes).toEqual([]);
    });

    it('206: the refused items are dropped with offline storage off; the others stay', async () => {
      stand.refuse({ status: 206, itemStatus: 500 }); // the last item of the batch: the request
      tracer().startSpan('invoke appointments.list', { kind: api.SpanKind.SERVER }).end();
      await flushTraces();
      expect(stand.posts).toHaveLength(1);
      expect(stand.posts[0]?.response.itemsAccepted).toBe(stand.posts[0]!.envelopes.length - 1);
      expect(stand.requests).toEqual([]);
    });

    it('Entra ID ingestion: with azureMonitorExporterOptions.credential the exporter sends a Bearer token for https://monitor.azure.com/.default', async () => {
      const entraOnly = new IngestionStandIn({ requireBearer: true, instrumentationKey: TEST_INSTRUMENTATION_KEY });
      await entraOnly.start();
      const scopes: string[][] = [];
      const credential = {
        getToken: (scope: string | string[]) => {
          scopes.push(Array.isArray(scope) ? scope : [scope]);
          return Promise.resolve({ token: 'eyJ.fake-monitor-token', expiresOnTimestamp: Date.now() + 3_600_000 });
        },
      };
      const direct = new exporter.AzureMonitorTraceExporter({ connectionString: entraOnly.connectionString(), credential, disableOfflineStorage: true });
      tracer().startSpan('invoke appointments.list', { kind: api.SpanKind.SERVER }).end();
      await flushTraces();
      const result = await new Promise<{ code: number }>((resolve) => direct.export(memory.getFinishedSpans(), resolve));
      await direct.shutdown();
      await entraOnly.stop();
      expect(result.code).toBe(0);
      expect(scopes).toContainEqual(['https://monitor.azure.com/.default']);
      expect(entraOnly.posts.map((p) => [p.status, p.authorization])).toEqual([[200, 'Bearer eyJ.fake-monitor-token']]);
    });

    it('what the exporter refuses in a connection string, and what it takes silently (the bot must check those itself)', () => {
      const make = (connectionString: string) => new exporter.AzureMonitorTraceExporter({ connectionString, disableOfflineStorage: true });
      const key = TEST_INSTRUMENTATION_KEY;
      expect(() => make('garbage')).toThrow('No instrumentation key or connection string was provided to the Azure Monitor Exporter');
      expect(() => make('IngestionEndpoint=https://127.0.0.1:9/')).toThrow('No instrumentation key');
      expect(() => make(`InstrumentationKey=${key.toUpperCase()};IngestionEndpoint=https://127.0.0.1:9/`)).toThrow('Invalid instrumentation key');
      expect(() => make(' InstrumentationKey = x')).toThrow('No instrumentation key');
      // Taken without a word: an http endpoint becomes https; a value holding '=' makes the whole string "invalid"
      // and the exporter falls back to the global endpoint; so does a string with no IngestionEndpoint at all.
      expect(make(`InstrumentationKey=${key};IngestionEndpoint=http://127.0.0.1:9/`).endpointUrl).toBe('https://127.0.0.1:9');
      expect(make(`InstrumentationKey=${key};IngestionEndpoint=https://127.0.0.1:9/?a=b`).endpointUrl).toBe('https://dc.services.visualstudio.com');
      expect(make(`InstrumentationKey=${key}`).endpointUrl).toBe('https://dc.services.visualstudio.com');
      expect(make(`InstrumentationKey=${key};IngestionEndpoint=not a url`).endpointUrl).toBe('not a url');
      // A trailing ';' also counts as invalid: the endpoint is then taken as written, its trailing '/' kept.
      expect(make(`InstrumentationKey=${key};IngestionEndpoint=https://127.0.0.1:9/;`).endpointUrl).toBe('https://127.0.0.1:9/');
    });

    it('made no connection off loopback: the only ones tried were refused by the guard (the VM metadata address)', () => {
      expect(guard.attempts.every((a) => !isLoopback(a.replace(/:\d*$/, '')))).toBe(true);
      expect(new Set(guard.attempts)).toEqual(new Set(['169.254.169.254:80']));
    });
  });
}
