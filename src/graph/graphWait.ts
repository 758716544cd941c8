import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { Logger } from '../logging/logger.js';
import { runWith, valueOf } from '../logging/turnScope.js';

/**
 * How long one turn waited on Graph: the union of its Graph calls' lifetimes (retries included), so calls made in
 * parallel count once. The bot logs it beside the turn's own time, which tells the bot's overhead from Graph's.
 * Measurement only, like the turn's log fields: nothing the bot does depends on it (the deadline travels with the
 * user, see UserRef.deadline).
 */
export class GraphWait {
  calls = 0;
  waitedMs = 0;
  /** Graph's request-id of each call, for the turn's log line (support cases name them). */
  readonly requestIds: string[] = [];
  private inFlight = 0;
  private since = 0;

  begin(): void {
    this.calls++;
    if (this.inFlight++ === 0) this.since = performance.now();
  }

  end(): void {
    if (--this.inFlight === 0) this.waitedMs += performance.now() - this.since;
  }
}

const GRAPH_WAIT = Symbol('graph wait');

/** Runs `work`, metering the Graph calls it makes however deep in the call tree (for the turn's log line). */
export async function meteringGraph<T>(work: () => Promise<T>): Promise<{ result: T; wait: GraphWait }> {
  const wait = new GraphWait();
  const result = await runWith(GRAPH_WAIT, wait, work);
  return { result, wait };
}

/** The turn's GraphWait, if the caller is inside one. */
function currentGraphWait(): GraphWait | undefined {
  return valueOf<GraphWait>(GRAPH_WAIT);
}

/** The Graph client middleware that reports each call to the turn's GraphWait, if any, and logs it (debug). */
export class GraphWaitMiddleware implements Middleware {
  private next?: Middleware;

  constructor(private readonly logger?: Logger) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const wait = currentGraphWait();
    const started = performance.now();
    wait?.begin();
    try {
      await this.next?.execute(context);
    } finally {
      wait?.end();
      const requestId = context.response?.headers.get('request-id') ?? undefined;
      const clientRequestId = headersOf(context)['client-request-id'];
      if (requestId) wait?.requestIds.push(requestId);
      // Method, status, ids and timing only: the URL names businesses and appointments.
      this.logger?.debug(
        { method: context.options?.method ?? 'GET', status: context.response?.status, requestId, clientRequestId, ms: Math.round(performance.now() - started) },
        'graph call',
      );
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
