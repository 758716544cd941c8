import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { graphRoute, originOf } from '../telemetry/routes.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { TurnMeter } from './graphWait.js';

/** What one Graph call met, attempt by attempt (the retry handler sends it again on 429, 503, 504). */
interface Attempts {
  list: { status?: number; retryAfterSeconds?: number }[];
}

/** The attempts of each call under way, by the chain's context for it (the same object on every attempt). */
const attemptsOf = new WeakMap<Context, Attempts>();

/**
 * Above the retry handler: one span per Graph call, retries inside it, under the turn it is made for (TurnMeter's
 * trace). It names the route with ids as placeholders and no query string, and holds the status, Graph's
 * request-id, our client-request-id and how often the call was sent again; each answer that asked us to wait is
 * counted, with whether the turn waited it out. Only in the chain when telemetry is on (clientFactory.ts).
 */
export class GraphSpanMiddleware implements Middleware {
  private next?: Middleware;

  constructor(private readonly telemetry: Telemetry) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const route = graphRoute(url);
    const meter = (context.middlewareControl?.getMiddlewareOptions(TurnMeter) as TurnMeter | undefined)?.meter;
    const span = this.telemetry.httpCall(meter?.trace, { service: 'graph', method, origin: originOf(url), route });
    const attempts: Attempts = { list: [] };
    attemptsOf.set(context, attempts);
    let error: string | undefined;
    try {
      await this.next?.execute(context);
    } catch (thrown) {
      error = failureOf(thrown);
      throw thrown;
    } finally {
      const { list } = attempts;
      let retryAfterSeconds: number | undefined;
      list.forEach((attempt, i) => {
        if (attempt.status !== 429 && !(attempt.status === 503 && attempt.retryAfterSeconds !== undefined)) return;
        retryAfterSeconds = attempt.retryAfterSeconds;
        this.telemetry.graphThrottled({ route, status: attempt.status, retryAfterSeconds: attempt.retryAfterSeconds, waited: i < list.length - 1 });
      });
      const last = list.at(-1);
      const headers = (context.options?.headers ?? {}) as Record<string, string | undefined>;
      span.end({
        status: last?.status,
        error,
        requestId: idOf(last?.status !== undefined ? context.response?.headers.get('request-id') : undefined),
        clientRequestId: idOf(headers['client-request-id']),
        retries: Math.max(0, list.length - 1),
        retryAfterSeconds,
      });
    }
  }
}

/** Below the retry handler: notes each attempt's answer (or that none came) for the call's span. */
export class GraphAttemptMiddleware implements Middleware {
  private next?: Middleware;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const attempts = attemptsOf.get(context);
    let answered = false;
    try {
      await this.next?.execute(context);
      answered = true;
    } finally {
      const response = answered ? context.response : undefined;
      attempts?.list.push({ status: response?.status, retryAfterSeconds: secondsOf(response?.headers.get('Retry-After')) });
    }
  }
}

/** Why a call got no answer: its deadline, an abort, or the network. */
function failureOf(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === 'TimeoutError') return 'timeout';
  if (name === 'AbortError') return 'aborted';
  return 'network';
}

/** Retry-After in seconds (Graph sends a number). */
function secondsOf(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** A request id as Graph and we make them (GUIDs); anything else the far side might send is not kept. */
function idOf(value: string | null | undefined): string | undefined {
  return value && /^[0-9A-Za-z-]{1,64}$/.test(value) ? value : undefined;
}
