import { randomUUID } from 'node:crypto';
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import type { CallMeter, TraceParent } from '../bookings/types.js';
import type { Logger } from '../logging/logger.js';

/**
 * How long one turn waited on Graph: the union of its Graph calls' lifetimes (retries included), so calls made in
 * parallel count once. The bot logs it beside the turn's own time, which tells the bot's overhead from Graph's.
 * Measurement only, like the turn's log fields: nothing the bot does depends on it. It travels with the user
 * (Acting.meter) into each request's middleware options, as the deadline does: no implicit async context, which on
 * Node 20 would put a hook on every promise of the process.
 */
export class GraphWait implements CallMeter {
  calls = 0;
  waitedMs = 0;
  /** Graph's request-id of each call, for the turn's log line (support cases name them). */
  readonly requestIds: string[] = [];
  /** Our client-request-id of each call: known even when Graph never answered, and in the call's span. */
  readonly clientRequestIds: string[] = [];
  private inFlight = 0;
  private since = 0;

  constructor(
    readonly logFields: Readonly<Record<string, unknown>> = {},
    /** The turn's trace (telemetry on): each call's span hangs under it. */
    readonly trace?: TraceParent,
  ) {}

  begin(): void {
    this.calls++;
    if (this.inFlight++ === 0) this.since = performance.now();
  }

  end(requestId?: string, clientRequestId?: string): void {
    if (requestId) this.requestIds.push(requestId);
    if (clientRequestId) this.clientRequestIds.push(clientRequestId);
    if (--this.inFlight === 0) this.waitedMs += performance.now() - this.since;
  }
}

/** The meter of the turn a request is made for, handed to the chain with the request (GraphRequest.middlewareOptions). */
export class TurnMeter implements MiddlewareOptions {
  constructor(readonly meter: CallMeter) {}
}

/** The Graph client middleware that reports each call to its turn's meter, if any, and logs it (debug). */
export class GraphWaitMiddleware implements Middleware {
  private next?: Middleware;

  constructor(private readonly logger?: Logger) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const meter = (context.middlewareControl?.getMiddlewareOptions(TurnMeter) as TurnMeter | undefined)?.meter;
    const started = performance.now();
    meter?.begin();
    try {
      await this.next?.execute(context);
    } finally {
      const requestId = context.response?.headers.get('request-id') ?? undefined;
      const clientRequestId = headersOf(context)['client-request-id'];
      meter?.end(requestId, clientRequestId);
      // Method, status, ids and timing only: the URL names businesses and appointments. Built only when written.
      if (this.logger?.isLevelEnabled('debug')) {
        this.logger.debug(
          { ...meter?.logFields, method: context.options?.method ?? 'GET', status: context.response?.status, requestId, clientRequestId, ms: Math.round(performance.now() - started) },
          'graph call',
        );
      }
    }
  }
}

/**
 * Puts a client-request-id on every request that has none: the SDK's TelemetryHandler (just before this in the
 * chain) sets one only for https hosts it knows as Graph's, and strips it for others. With Graph's request-id it is
 * what Microsoft support asks for, and unlike that one it is known even when no answer came (DC
 * concepts/best-practices-concept.md, "Reliability and support").
 */
export class ClientRequestIdMiddleware implements Middleware {
  private next?: Middleware;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const headers = headersOf(context);
    headers['client-request-id'] ??= randomUUID();
    await this.next?.execute(context);
  }
}

/** The request's headers as the Graph client builds them: a plain object on the fetch options. */
function headersOf(context: Context): Record<string, string> {
  const options = (context.options ??= {});
  options.headers ??= {};
  return options.headers as Record<string, string>;
}
