import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { StandInServer } from './http.js';

/*
 * The stand-in for Application Insights' ingestion endpoint (the connection string's IngestionEndpoint, "Breeze"),
 * as Microsoft specifies it: Azure/azure-rest-api-specs,
 * specification/applicationinsights/data-plane/Monitor.Exporters/preview/v2.1/swagger.json (POST {Host}/v2.1/track,
 * a JSON array of TelemetryEnvelope or x-json-stream; answers 200, 206, 400, 402, 429, 500, 503, each with a
 * TrackResponse {itemsReceived, itemsAccepted, errors: [{index, statusCode, message}]}) and its examples/track.json
 * (the 400 message "103: Field 'time' on type 'Envelope' is older than the allowed min date", envelopes older than
 * now - 172800000 ms). What the exporter does with each answer: @azure/monitor-opentelemetry-exporter,
 * platform/nodejs/baseSender.ts (206/401/403/408/429/439/500/502/503/504 retriable, kept on disk unless
 * disableOfflineStorage; others dropped) after @azure/core-rest-pipeline's own retries (429 and 503 are asked again
 * in the same export, after Retry-After).
 *
 * Serves https by default with the test certificate (tlsSetup.ts): the exporter turns an http:// IngestionEndpoint
 * into https:// (ConnectionStringParser.sanitizeUrl), so a plain-http stand-in is only for hand-made posts.
 */

/** One telemetry item as sent (the swagger's TelemetryEnvelope). */
export interface Envelope<B = Record<string, unknown>> {
  ver?: number;
  name: string;
  time: string;
  sampleRate?: number;
  seq?: string;
  iKey?: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: B };
}

/** -> the requests table (a SERVER or CONSUMER span). */
export interface RequestData {
  ver: number;
  id: string;
  name?: string;
  /** DD.HH:MM:SS.MMMMMM */
  duration: string;
  success: boolean;
  responseCode: string;
  source?: string;
  url?: string;
  properties?: Record<string, string>;
  measurements?: Record<string, number>;
}

/** -> the dependencies table (a CLIENT, PRODUCER or INTERNAL span). */
export interface RemoteDependencyData {
  ver: number;
  id?: string;
  name: string;
  resultCode?: string;
  data?: string;
  type?: string;
  target?: string;
  duration: string;
  success?: boolean;
  properties?: Record<string, string>;
  measurements?: Record<string, number>;
}

export interface MetricDataPoint {
  ns?: string;
  name: string;
  kind?: 'Measurement' | 'Aggregation';
  /** A counter's increase over the export interval (delta), or a histogram's sum. */
  value: number;
  count?: number;
  min?: number;
  max?: number;
  stdDev?: number;
}

/** -> the customMetrics table, one point per envelope (the swagger: only the first of `metrics` is stored). */
export interface MetricsData {
  ver: number;
  metrics: MetricDataPoint[];
  properties?: Record<string, string>;
}

/** -> the traces table (a span event, or a log record). */
export interface MessageData {
  ver: number;
  message: string;
  severityLevel?: string;
  properties?: Record<string, string>;
}

/** -> the exceptions table (span.recordException). */
export interface ExceptionData {
  ver: number;
  exceptions: { typeName?: string; message: string; stack?: string; hasFullStack?: boolean }[];
  severityLevel?: string;
  problemId?: string;
  properties?: Record<string, string>;
}

/** -> the customEvents table. */
export interface EventData {
  ver: number;
  name: string;
  properties?: Record<string, string>;
  measurements?: Record<string, number>;
}

export interface TrackItemError {
  index: number;
  statusCode: number;
  message: string;
}

export interface TrackResponse {
  itemsReceived: number;
  itemsAccepted: number;
  errors: TrackItemError[];
}

/** One POST to /v2(.1)/track, whatever its fate. */
export interface IngestionPost {
  path: string;
  contentType?: string;
  contentEncoding?: string;
  /** The Authorization header (Entra ID ingestion sends "Bearer <token>"; with the instrumentation key, none). */
  authorization?: string;
  userAgent?: string;
  /** Every envelope the body held, in order, accepted or not. */
  envelopes: Envelope[];
  status: number;
  response: TrackResponse;
  receivedAt: number;
}

/** A request to any other path (Live Metrics, a typo): answered 404 and kept here. */
export interface StrayRequest {
  method: string;
  path: string;
}

export type RefusalStatus = 206 | 400 | 401 | 402 | 403 | 408 | 429 | 439 | 500 | 502 | 503 | 504;

/** An answer the service can give instead of accepting, for the next `times` posts. */
export interface Refusal {
  status: RefusalStatus;
  /** How many posts in a row get it (default 1; Infinity for an outage, until accept()). */
  times?: number;
  /** Sent as Retry-After (seconds), as the service does with 429 and 503. */
  retryAfterSeconds?: number;
  /** 206 only: the items refused (default: the last one of the batch), each with itemStatus (default 500). */
  indexes?: number[];
  itemStatus?: number;
  /** The items' error message (default per status). */
  message?: string;
}

export interface IngestionStandInOptions {
  /** Default true: the exporter only speaks https (see above). */
  tls?: boolean;
  /** When set, envelopes with another iKey are refused one by one (400 "Invalid instrumentation key"). */
  instrumentationKey?: string;
  /** Entra ID ingestion only (the resource's DisableLocalAuth = true): a post without a Bearer token gets 401. */
  requireBearer?: boolean;
  /**
   * With requireBearer: whether a token is one the resource takes (e.g. a JWT from the managed-identity stand-in with
   * audience https://monitor.azure.com and the identity that holds Monitoring Metrics Publisher); others get 403.
   */
  acceptsToken?: (token: string) => boolean;
}

/** A flattened metric point with the dimensions it was recorded with. */
export interface MetricPoint extends MetricDataPoint {
  properties: Record<string, string>;
  tags: Record<string, string>;
}

/** Default test instrumentation key (lower case: the exporter rejects upper-case hex). */
export const TEST_INSTRUMENTATION_KEY = '00000000-0000-4000-8000-00000000a15e';

const MAX_AGE_MS = 172_800_000;

const DEFAULT_MESSAGES: Record<number, string> = {
  206: 'Internal Server Error',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required: daily quota exceeded',
  403: 'Forbidden',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  439: 'Daily quota exceeded',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export class IngestionStandIn {
  private readonly server: StandInServer;
  /** Pending refusals, the first one answering next; each with its times left. */
  private readonly refusals: (Refusal & { times: number })[] = [];
  /** Every POST to /v2/track or /v2.1/track, in arrival order. */
  readonly posts: IngestionPost[] = [];
  readonly strays: StrayRequest[] = [];

  constructor(private readonly options: IngestionStandInOptions = {}) {
    this.server = new StandInServer(options.tls ?? true, (req, _url, _body, res, raw) => this.handle(req, raw, res));
  }

  /** Added before every answer (a benchmark's network hop). */
  set latencyMs(ms: number) {
    this.server.latencyMs = ms;
  }

  get url(): string {
    return this.server.url;
  }

  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /**
   * APPLICATIONINSIGHTS_CONNECTION_STRING for this stand-in, shaped as the portal shows one. LiveEndpoint points here
   * too, so Live Metrics, if someone turns it on, stays on loopback (and shows up in `strays`).
   */
  connectionString(instrumentationKey = this.options.instrumentationKey ?? TEST_INSTRUMENTATION_KEY): string {
    if (!this.url) throw new Error('start() the ingestion stand-in first');
    return `InstrumentationKey=${instrumentationKey};IngestionEndpoint=${this.url}/;LiveEndpoint=${this.url}/`;
  }

  /** The next posts get this answer (queued after any refusal still pending). */
  refuse(refusal: Refusal): void {
    this.refusals.push({ ...refusal, times: refusal.times ?? 1 });
  }

  /** Back to accepting everything (ends an outage). */
  accept(): void {
    this.refusals.length = 0;
  }

  /** Forgets what arrived and every pending refusal. */
  reset(): void {
    this.posts.length = 0;
    this.strays.length = 0;
    this.accept();
  }

  // ---- what arrived, accepted envelopes only ----

  get envelopes(): Envelope[] {
    return this.posts.flatMap((post) => {
      const refused = new Set(post.response.errors.map((e) => e.index));
      return post.status >= 200 && post.status < 300 ? post.envelopes.filter((_, i) => !refused.has(i)) : [];
    });
  }

  ofType<B>(baseType: string): Envelope<B>[] {
    return this.envelopes.filter((e) => e.data?.baseType === baseType) as Envelope<B>[];
  }

  get requests(): Envelope<RequestData>[] {
    return this.ofType<RequestData>('RequestData');
  }

  get dependencies(): Envelope<RemoteDependencyData>[] {
    return this.ofType<RemoteDependencyData>('RemoteDependencyData');
  }

  get metrics(): Envelope<MetricsData>[] {
    return this.ofType<MetricsData>('MetricData');
  }

  get messages(): Envelope<MessageData>[] {
    return this.ofType<MessageData>('MessageData');
  }

  get exceptions(): Envelope<ExceptionData>[] {
    return this.ofType<ExceptionData>('ExceptionData');
  }

  get events(): Envelope<EventData>[] {
    return this.ofType<EventData>('EventData');
  }

  /**
   * Metric points, one per envelope, optionally of one name. The exporter's own "_OTELRESOURCE_" point (the
   * resource's attributes, sent with each trace export) is left out unless asked for by name.
   */
  metricPoints(name?: string): MetricPoint[] {
    return this.metrics
      .filter((e) => e.data?.baseData?.metrics[0] !== undefined)
      .map((e) => ({ ...e.data!.baseData!.metrics[0]!, properties: e.data!.baseData!.properties ?? {}, tags: e.tags ?? {} }))
      .filter((p) => (name === undefined ? p.name !== '_OTELRESOURCE_' : p.name === name));
  }

  /**
   * Every string that left the process in an accepted envelope, with where it was: tag values, every field of
   * baseData (names, urls, data, messages, stacks) and the keys and values of properties, for a privacy check that
   * nothing of a customer's is among them.
   */
  exportedStrings(): { path: string; value: string }[] {
    const out: { path: string; value: string }[] = [];
    const walk = (value: unknown, path: string) => {
      if (typeof value === 'string') out.push({ path, value });
      else if (typeof value === 'number' || typeof value === 'boolean') out.push({ path, value: String(value) });
      else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (path.endsWith('.properties') || path.endsWith('.tags') || path.endsWith('.measurements')) out.push({ path: `${path} key`, value: k });
          walk(v, `${path}.${k}`);
        }
      }
    };
    this.envelopes.forEach((e, i) => walk(e, `envelopes[${i}]`));
    return out;
  }

  /** Resolves once `until(this)` holds; after timeoutMs rejects, saying what did arrive. */
  async waitFor(until: (stand: IngestionStandIn) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!until(this)) {
      if (Date.now() > deadline) {
        const kinds = this.envelopes.map((e) => e.data?.baseType ?? e.name);
        throw new Error(`ingestion stand-in: condition not met within ${timeoutMs} ms; ${this.posts.length} post(s), accepted: ${kinds.join(', ') || 'nothing'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  // ---- the service ----

  private handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'https://stand-in').pathname;
    if (req.method !== 'POST' || !/^\/v2(\.1)?\/track\/?$/.test(path)) {
      this.strays.push({ method: req.method ?? 'GET', path });
      send(res, 404, { error: 'not an ingestion path' });
      return;
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    const post: IngestionPost = {
      path,
      contentType: header('content-type'),
      contentEncoding: header('content-encoding'),
      authorization: header('authorization'),
      userAgent: header('user-agent'),
      envelopes: [],
      status: 0,
      response: { itemsReceived: 0, itemsAccepted: 0, errors: [] },
      receivedAt: Date.now(),
    };
    this.posts.push(post);
    const reply = (status: number, response: TrackResponse, headers: Record<string, string> = {}) => {
      post.status = status;
      post.response = response;
      send(res, status, response, headers);
    };

    let envelopes: Envelope[];
    try {
      envelopes = parseBody(decode(raw, post.contentEncoding));
    } catch (error) {
      // Not in the swagger: how the service words an unreadable body. A 400 for the whole post, as for any bad request.
      reply(400, { itemsReceived: 0, itemsAccepted: 0, errors: [{ index: 0, statusCode: 400, message: `Invalid payload: ${(error as Error).message}` }] });
      return;
    }
    post.envelopes = envelopes;
    const n = envelopes.length;
    const everyItem = (statusCode: number, message: string): TrackItemError[] => envelopes.map((_, index) => ({ index, statusCode, message }));

    if (this.options.requireBearer) {
      const token = /^Bearer (\S+)$/i.exec(post.authorization ?? '')?.[1];
      if (!token) {
        reply(401, { itemsReceived: n, itemsAccepted: 0, errors: everyItem(401, 'Unauthorized: this resource accepts Microsoft Entra ID (Bearer) ingestion only') });
        return;
      }
      if (this.options.acceptsToken && !this.options.acceptsToken(token)) {
        reply(403, { itemsReceived: n, itemsAccepted: 0, errors: everyItem(403, 'Forbidden: the token is not one this resource takes (audience, or no Monitoring Metrics Publisher role)') });
        return;
      }
    }

    const refusal = this.refusals[0];
    if (refusal) {
      refusal.times -= 1;
      if (refusal.times <= 0) this.refusals.shift();
      const headers: Record<string, string> = refusal.retryAfterSeconds !== undefined ? { 'Retry-After': String(refusal.retryAfterSeconds) } : {};
      if (refusal.status === 206) {
        const indexes = (refusal.indexes ?? [n - 1]).filter((i) => i >= 0 && i < n);
        const itemStatus = refusal.itemStatus ?? 500;
        const errors = indexes.map((index) => ({ index, statusCode: itemStatus, message: refusal.message ?? DEFAULT_MESSAGES[itemStatus] ?? 'Refused' }));
        reply(206, { itemsReceived: n, itemsAccepted: n - errors.length, errors }, headers);
      } else {
        reply(refusal.status, { itemsReceived: n, itemsAccepted: 0, errors: everyItem(refusal.status, refusal.message ?? DEFAULT_MESSAGES[refusal.status] ?? 'Refused') }, headers);
      }
      return;
    }

    const errors: TrackItemError[] = [];
    envelopes.forEach((envelope, index) => {
      const problem = this.problemOf(envelope);
      if (problem) errors.push({ index, statusCode: 400, message: problem });
    });
    const response = { itemsReceived: n, itemsAccepted: n - errors.length, errors };
    reply(errors.length === 0 ? 200 : errors.length < n ? 206 : 400, response);
  }

  /** Why the service would refuse this one item, or undefined. */
  private problemOf(envelope: Envelope): string | undefined {
    if (typeof envelope !== 'object' || envelope === null) return "Field 'Envelope' is not an object";
    if (typeof envelope.name !== 'string' || envelope.name === '') return "Field 'name' on type 'Envelope' is required";
    if (typeof envelope.time !== 'string' || Number.isNaN(Date.parse(envelope.time))) return "Field 'time' on type 'Envelope' is required";
    if (Date.now() - Date.parse(envelope.time) > MAX_AGE_MS) return "103: Field 'time' on type 'Envelope' is older than the allowed min date.";
    if (this.options.instrumentationKey !== undefined && envelope.iKey !== this.options.instrumentationKey) return 'Invalid instrumentation key';
    return undefined;
  }
}

function decode(raw: Buffer, encoding: string | undefined): string {
  switch ((encoding ?? 'identity').toLowerCase()) {
    case 'gzip':
      return gunzipSync(raw).toString('utf8');
    case 'deflate':
      return inflateSync(raw).toString('utf8');
    case 'identity':
      return raw.toString('utf8');
    default:
      throw new Error(`unsupported Content-Encoding ${encoding}`);
  }
}

/** A JSON array of envelopes (application/json) or one envelope per line (x-json-stream). */
function parseBody(text: string): Envelope[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error('not an array');
    return parsed as Envelope[];
  }
  return trimmed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Envelope);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
