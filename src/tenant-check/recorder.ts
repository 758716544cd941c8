import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, ResponseType } from '@microsoft/microsoft-graph-client';
import type { Secret } from '../bookings/secret.js';
import { retryAfterSeconds } from '../graph/errors.js';
import type { Exchange } from './observations.js';

/** The part of a raw answer read here (a fetch Response, or the bot's transport's answer). */
type RawAnswer = Pick<Response, 'status' | 'headers' | 'text'>;

/** The longest Retry-After waited before a read is asked again. */
const MAX_WAIT_SECONDS = 30;

/**
 * Sends the tenant check's requests through the bot's own Graph client (its middleware chain: deadline,
 * client-request-id, the HTTP transport) with the signed-in operator's token, and keeps every answer raw: status,
 * request-id, Retry-After, Graph's error code and the JSON body. The client is built without automatic retries, so a
 * 429 or 503 is seen as Graph sent it; reads that are throttled are asked again here, each try recorded.
 */
export class GraphRecorder {
  readonly exchanges: Exchange[] = [];
  private readonly linkPrefix: string;

  constructor(
    private readonly client: Client,
    private readonly token: Secret,
    /** The Graph base URL with its version, e.g. https://graph.microsoft.com/v1.0/ */
    graphRoot: string,
  ) {
    this.linkPrefix = graphRoot;
  }

  /** A read; asked again (twice at most) after Graph's Retry-After when it answers 429, 503 or 504. */
  async get(path: string, { prefer = false, retries = 2 }: { prefer?: boolean; retries?: number } = {}): Promise<Exchange> {
    for (let attempt = 0; ; attempt++) {
      const exchange = await this.send('GET', path, prefer);
      if (![429, 503, 504].includes(exchange.status) || attempt >= retries) return exchange;
      const wait = retryAfterSeconds(new Headers(exchange.retryAfter === undefined ? {} : { 'Retry-After': exchange.retryAfter })) ?? attempt + 1;
      await sleep(Math.min(wait, MAX_WAIT_SECONDS) * 1000);
    }
  }

  /** A write, sent once: a cancel is never repeated by the check. */
  post(path: string, body: unknown): Promise<Exchange> {
    return this.send('POST', path, false, body);
  }

  /** An @odata.nextLink as a path for get(); undefined for one off the Graph base URL, which is never followed (the token stays with Graph). */
  relative(link: string): string | undefined {
    return link.startsWith(this.linkPrefix) ? `/${link.slice(this.linkPrefix.length)}` : undefined;
  }

  private async send(method: 'GET' | 'POST', path: string, prefer: boolean, body?: unknown): Promise<Exchange> {
    const exchange: Exchange = { method, path, prefer, status: 0 };
    this.exchanges.push(exchange);
    let request = this.client.api(path).header('Authorization', `Bearer ${this.token.reveal()}`).responseType(ResponseType.RAW);
    if (prefer) request = request.header('Prefer', 'include-unknown-enum-members');
    let answer: RawAnswer;
    try {
      answer = (await (method === 'GET' ? request.get() : request.post(body))) as RawAnswer;
    } catch (error) {
      exchange.failure = error instanceof Error ? error.name : 'unknown failure';
      return exchange;
    }
    exchange.status = answer.status;
    exchange.requestId = answer.headers.get('request-id') ?? undefined;
    exchange.retryAfter = answer.headers.get('Retry-After') ?? undefined;
    const text = await answer.text().catch((unreadable: unknown) => {
      exchange.failure = unreadable instanceof Error ? unreadable.name : 'unreadable body';
      return '';
    });
    if (text !== '') {
      try {
        exchange.body = JSON.parse(text) as unknown;
      } catch {
        exchange.failure = 'a body that is not JSON';
      }
    }
    const error = (exchange.body as { error?: { code?: unknown } } | undefined)?.error;
    if (typeof error?.code === 'string') exchange.errorCode = error.code;
    return exchange;
  }
}
