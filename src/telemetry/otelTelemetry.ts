import { type Attributes, type Context, type Counter, type Histogram, type Meter, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { TraceParent } from '../bookings/types.js';
import type {
  CallSpan,
  CancellationOutcome,
  GraphThrottle,
  HttpCall,
  HttpCallEnd,
  StorageCall,
  StorageSpan,
  Telemetry,
  TokenCache,
  TurnOutcome,
  TurnStart,
  TurnTrace,
} from './telemetry.js';

/** What the OpenTelemetry implementation is built from: the distro's tracer and meter (or a test's in-memory ones). */
export interface TelemetryParts {
  tracer: Tracer;
  meter: Meter;
  /** Flushes and stops the providers (shutdownAzureMonitor); nothing by default. */
  shutdown?: () => Promise<void>;
}

/**
 * The port on OpenTelemetry. Parents are passed explicitly (the turn's context rides on Acting.meter and the
 * TurnContext), never through the API's active context: the distro's AsyncLocalStorage context manager is disabled
 * (start.ts), since on Node 20 it hooks every promise of the process. Spans get only the attributes written here; no
 * exception is ever recorded (an error's message may quote a user principal name), only codes.
 */
export function createTelemetry(parts: TelemetryParts): Telemetry {
  return new OtelTelemetry(parts);
}

interface Instruments {
  clicks: Counter;
  cancellations: Counter;
  throttled: Counter;
  retryAfter: Histogram;
  turnDuration: Histogram;
  graphDuration: Histogram;
  tokenCache: Counter;
  discoveryDuration: Histogram;
  completedLater: Counter;
}

class OtelTelemetry implements Telemetry {
  readonly enabled = true;
  readonly instruments: Instruments;
  private readonly tracer: Tracer;

  constructor(private readonly parts: TelemetryParts) {
    this.tracer = parts.tracer;
    const { meter } = parts;
    this.instruments = {
      clicks: meter.createCounter('bookings.clicks', { description: 'Actions run (card clicks and typed commands), by verb and outcome' }),
      cancellations: meter.createCounter('bookings.cancellations', { description: 'Cancellation attempts, by outcome (as the audit trail records them)' }),
      throttled: meter.createCounter('bookings.graph.throttled', { description: 'Graph answers asking us to wait (429, or 503 with Retry-After), by route' }),
      retryAfter: meter.createHistogram('bookings.graph.retry_after', { unit: 's', description: "Graph's Retry-After, and whether the turn waited it out" }),
      turnDuration: meter.createHistogram('bookings.turn.duration', { unit: 'ms', description: 'Time from a turn\'s start to its answer' }),
      graphDuration: meter.createHistogram('bookings.graph.duration', { unit: 'ms', description: 'One Graph call, retries included' }),
      tokenCache: meter.createCounter('bookings.token_cache.lookups', { description: 'Token and membership cache lookups: hit, shared (another instance\'s), miss' }),
      discoveryDuration: meter.createHistogram('bookings.discovery.duration', { unit: 'ms', description: 'A scan of the tenant for a user\'s businesses' }),
      completedLater: meter.createCounter('bookings.discovery.background_completions', { description: 'Lists answered before the scan ended and completed in the background' }),
    };
  }

  turn(start: TurnStart): TurnTrace {
    const attributes: Attributes = { 'bot.activity': start.activityType, 'bot.locale': start.locale };
    if (start.invoke) attributes['bot.invoke'] = start.invoke;
    if (start.channel) attributes['bot.channel'] = start.channel.slice(0, 32);
    if (start.turnId) attributes['bot.turn'] = start.turnId.slice(0, 128);
    if (start.conversation) attributes['bot.conversation'] = start.conversation;
    if (start.user) attributes['enduser.pseudo.id'] = start.user;
    const span = this.tracer.startSpan(nameOf(start), { kind: SpanKind.SERVER, attributes }, ROOT_CONTEXT);
    return new OtelTurn(this.instruments, span, start);
  }

  httpCall(parent: TraceParent | undefined, call: HttpCall): CallSpan {
    const host = hostOf(call.origin);
    const attributes: Attributes = {
      'http.request.method': call.method,
      // The exporter names the dependency after this URL's path and keeps it as `data`: a template, never the real one.
      'url.full': `${call.origin}${call.route}`,
      'bot.service': call.service,
    };
    if (host) attributes['server.address'] = host;
    return new OtelCall(this.tracer.startSpan(`${call.method} ${call.route}`, { kind: SpanKind.CLIENT, attributes }, contextOf(parent)), call, this.instruments);
  }

  storageCall(call: StorageCall): StorageSpan {
    const span = this.tracer.startSpan(
      `blob ${call.operation}`,
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'azure.blob', 'db.operation': call.operation, 'db.name': call.container, 'server.address': call.host, 'bot.storage.items': call.items } },
      ROOT_CONTEXT,
    );
    let ended = false;
    return {
      end: ({ error, status }) => {
        if (ended) return;
        ended = true;
        if (error) span.setAttribute('bot.error', error);
        if (status !== undefined) span.setAttribute('bot.storage.status', status);
        span.setStatus({ code: error ? SpanStatusCode.ERROR : SpanStatusCode.OK });
        span.end();
      },
    };
  }

  graphThrottled({ route, status, retryAfterSeconds, waited }: GraphThrottle): void {
    this.instruments.throttled.add(1, { route, status: String(status) });
    if (retryAfterSeconds !== undefined) this.instruments.retryAfter.record(retryAfterSeconds, { route, waited: String(waited) });
  }

  tokenCacheLookup(cache: TokenCache, result: 'hit' | 'shared' | 'miss'): void {
    this.instruments.tokenCache.add(1, { cache, result });
  }

  cancellation(outcome: CancellationOutcome, errorCode?: string): void {
    this.instruments.cancellations.add(1, errorCode ? { outcome, error_code: errorCode } : { outcome });
  }

  discovery(ms: number, result: 'complete' | 'stopped', refresh: boolean): void {
    this.instruments.discoveryDuration.record(ms, { result, refresh: String(refresh) });
  }

  completedLater(verb: string, outcome: 'delivered' | 'failed'): void {
    this.instruments.completedLater.add(1, { verb, outcome });
  }

  shutdown(): Promise<void> {
    return this.parts.shutdown?.() ?? Promise.resolve();
  }
}

/** A call's span, ended once with what became of the call (a Graph call's duration is also a metric). */
class OtelCall implements CallSpan {
  private readonly started = performance.now();
  private ended = false;

  constructor(
    private readonly span: Span,
    private readonly call: HttpCall,
    private readonly instruments: Instruments,
  ) {}

  end(result: HttpCallEnd): void {
    if (this.ended) return;
    this.ended = true;
    const { span, call } = this;
    span.setAttributes(callAttributes(call, result));
    const failed = result.error !== undefined || (result.status !== undefined && result.status >= 400);
    span.setStatus({ code: failed ? SpanStatusCode.ERROR : SpanStatusCode.OK });
    span.end();
    if (call.service === 'graph') this.instruments.graphDuration.record(performance.now() - this.started, { method: call.method, route: call.route, status_class: statusClass(result) });
  }
}

/** A turn's span: named and finished when the turn answers, once its verb and outcome are known. */
class OtelTurn implements TurnTrace {
  readonly traceId: string;
  readonly context: Context;
  readonly logFields: Readonly<{ trace: string; user?: string }>;
  private readonly started = performance.now();
  private verb?: string;
  private result: TurnOutcome = 'ok';
  private errorCode?: string;
  private ended = false;

  constructor(
    private readonly instruments: Instruments,
    private readonly span: Span,
    private readonly start: TurnStart,
  ) {
    this.traceId = span.spanContext().traceId;
    this.context = trace.setSpan(ROOT_CONTEXT, span);
    this.logFields = start.user ? { trace: this.traceId, user: start.user } : { trace: this.traceId };
  }

  action(verb: string): void {
    this.verb = verb;
  }

  outcome(outcome: TurnOutcome, errorCode?: string): void {
    this.result = outcome;
    this.errorCode = errorCode;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const { span, verb, result, errorCode } = this;
    span.updateName(nameOf(this.start, verb));
    const attributes: Attributes = { 'bot.outcome': result };
    if (verb) attributes['bot.verb'] = verb;
    if (errorCode) attributes['bot.error_code'] = errorCode;
    span.setAttributes(attributes);
    span.setStatus({ code: result === 'failed' ? SpanStatusCode.ERROR : SpanStatusCode.OK });
    span.end();
    const dimensions = { activity: this.start.activityType, verb: verb ?? 'none', outcome: result };
    this.instruments.turnDuration.record(performance.now() - this.started, dimensions);
    if (verb) this.instruments.clicks.add(1, errorCode ? { verb, outcome: result, error_code: errorCode } : { verb, outcome: result });
  }
}

/** `invoke appointment.cancel.confirm`, `message appointments.list`, `invoke signin/tokenExchange`, `conversationUpdate`. */
function nameOf(start: TurnStart, verb?: string): string {
  const what = verb ?? start.invoke;
  return what ? `${start.activityType} ${what}` : start.activityType;
}

function contextOf(parent: TraceParent | undefined): Context {
  return parent instanceof OtelTurn ? parent.context : ROOT_CONTEXT;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** What an ended call adds to its span: only these fields, each a code, an id a service made, or a count. */
function callAttributes(call: HttpCall, result: HttpCallEnd): Attributes {
  const attributes: Attributes = {};
  if (result.status !== undefined) attributes['http.response.status_code'] = result.status;
  if (result.error !== undefined) attributes['bot.error'] = result.error;
  if (call.service === 'graph') {
    if (result.requestId) attributes['graph.request_id'] = result.requestId;
    if (result.clientRequestId) attributes['graph.client_request_id'] = result.clientRequestId;
    attributes['http.request.resend_count'] = result.retries ?? 0;
    if (result.retryAfterSeconds !== undefined) attributes['graph.retry_after_s'] = result.retryAfterSeconds;
  }
  if (result.entraError) attributes['entra.error_code'] = result.entraError;
  if (result.tokenCache) attributes['bot.token_cache'] = result.tokenCache;
  return attributes;
}

function statusClass({ status, error }: HttpCallEnd): string {
  if (status !== undefined) return `${Math.floor(status / 100)}xx`;
  return error ?? 'none';
}
