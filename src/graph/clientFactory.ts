import {
  Client,
  type Context,
  type FetchOptions,
  type Middleware,
  type MiddlewareOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import { msUntil } from '../bookings/deadline.js';
import type { Logger } from '../logging/logger.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry/telemetry.js';
import { GraphAttemptMiddleware, GraphSpanMiddleware } from './graphSpans.js';
import { ClientRequestIdMiddleware, GraphWaitMiddleware } from './graphWait.js';
import { GraphTransport } from './transport.js';

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com/ (always ends with '/'). */
  baseUrl: string;
  version: 'v1.0' | 'beta';
  /** Budget for one Graph call including its retries. */
  timeoutMs: number;
  maxRetries: number;
  /** A Retry-After longer than this is not waited out inside a turn; the user is told to try later. */
  maxRetryWaitSeconds: number;
}

/**
 * The deadline of the turn a request is made for (performance.now()), handed to the chain with the request itself
 * (GraphRequest.middlewareOptions) by the gateway, which has it from the user it acts for.
 */
export class TurnDeadline implements MiddlewareOptions {
  constructor(readonly at: number) {}
}

/**
 * Gives each request (with all its retries) one deadline, so a slow Graph cannot hold a turn open: its own budget,
 * or what is left of the turn's, whichever ends first.
 */
class DeadlineMiddleware implements Middleware {
  private next?: Middleware;

  constructor(private readonly timeoutMs: number) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const turn = context.middlewareControl?.getMiddlewareOptions(TurnDeadline) as TurnDeadline | undefined;
    // A request whose turn has no time left is not sent at all: Graph would work on it for nobody.
    if (msUntil(turn?.at) <= 0) throw new DOMException('The turn ended before this request was sent', 'TimeoutError');
    const ms = Math.ceil(Math.min(this.timeoutMs, msUntil(turn?.at)));
    // Not AbortSignal.timeout: its timer outlives the request, and firing then makes a DOMException with a stack for
    // every request long answered. The answer is read whole inside the chain, so the timer ends with it.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`Graph did not answer within ${ms} ms`, 'TimeoutError')), ms);
    requestEnds.set(controller.signal, performance.now() + ms);
    context.options = { ...context.options, signal: controller.signal };
    try {
      await this.next?.execute(context);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** When each request (its signal) gives up, performance.now(): what a retry's wait is weighed against. */
const requestEnds = new WeakMap<AbortSignal, number>();

/**
 * Whether a read Graph refused for now (429, 503, 504) is tried again: only when its Retry-After is within the bound,
 * and the wait ends before the request's deadline. Otherwise the refusal is answered at once, with its Retry-After
 * ("try again in N seconds"), instead of a wait that outlasts the turn.
 */
function retryWithin(maxRetryWaitSeconds: number) {
  return (delay: number, attempt: number, _request: RequestInfo, fetchOptions: FetchOptions | undefined, response: Response): boolean => {
    const method = (fetchOptions?.method ?? 'GET').toUpperCase();
    const header = response.headers.get('Retry-After');
    const retryAfter = Number(header ?? 0);
    const waitSeconds = header === null ? longestBackOffSeconds(delay, attempt + 1) : retryAfter;
    const left = msUntil(fetchOptions?.signal ? requestEnds.get(fetchOptions.signal) : undefined);
    return method === 'GET' && retryAfter <= maxRetryWaitSeconds && waitSeconds * 1000 < left;
  };
}

/**
 * The longest the SDK's RetryHandler sleeps before retry number `retry` when Graph sent no Retry-After
 * (RetryHandler.getDelay: the base delay, plus 2^retry − 1 halves from the second retry, plus up to a second at random).
 */
function longestBackOffSeconds(delay: number, retry: number): number {
  return (retry >= 2 ? Math.round((2 ** retry - 1) / 2) : 0) + delay + 1;
}

/**
 * One long-lived Graph client. The chain is built by hand, without the SDK's AuthenticationHandler: that handler
 * only attaches tokens to https Graph hosts, while the caller here sets the user's token per request (and
 * refuses to follow links off the configured base URL, so a token never leaves for another host).
 * Only reads are retried: a cancel POST that is retried after a lost answer could cancel twice.
 */
export function createGraphClient(options: GraphClientOptions, logger?: Logger, telemetry: Telemetry = NO_TELEMETRY): Client {
  const retry = new RetryHandler(new RetryHandlerOptions(1, options.maxRetries, retryWithin(options.maxRetryWaitSeconds)));
  // With telemetry on, a span per call (above the retries) and a note of each attempt (below them): graphSpans.ts.
  const traced = telemetry.enabled;
  return Client.initWithMiddleware({
    baseUrl: options.baseUrl,
    defaultVersion: options.version,
    middleware: [
      new DeadlineMiddleware(options.timeoutMs),
      new GraphWaitMiddleware(logger),
      ...(traced ? [new GraphSpanMiddleware(telemetry)] : []),
      retry,
      ...(traced ? [new GraphAttemptMiddleware()] : []),
      new TelemetryHandler(),
      new ClientRequestIdMiddleware(),
      new GraphTransport(),
    ],
  });
}
