import { STATUS_CODES } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { Context, FetchOptions, Middleware } from '@microsoft/microsoft-graph-client';
import { Agent, type Dispatcher } from 'undici';
import { GRAPH_KEEP_ALIVE_MS } from '../config/durations.js';
import type { PageBytes } from './decodedPages.js';

/**
 * The chain's last link: each answer gathered whole by an undici dispatch handler, with no stream per body as fetch
 * makes (the three kept shims together save ~1.3 ms CPU per list turn). Redirects are not followed: a token must not
 * follow one.
 */
export class GraphTransport implements Middleware {
  constructor(private readonly pool: Dispatcher = new Agent({ keepAliveTimeout: GRAPH_KEEP_ALIVE_MS })) {}

  async execute(context: Context): Promise<void> {
    const options = context.options ?? {};
    const url = new URL(typeof context.request === 'string' ? context.request : context.request.url);
    context.response = (await this.exchange(url, options)) as unknown as Response;
  }

  private exchange(url: URL, options: FetchOptions): Promise<GraphAnswer> {
    const signal = options.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      // The deadline ends the request wherever it is: not yet sent, waiting for headers, or mid-body.
      const onAbort = () => controller?.abort(signal!.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      let status = 0;
      let headers: Headers | undefined;
      const chunks: Buffer[] = [];
      const request: Dispatcher.DispatchOptions = {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? 'GET',
        headers: options.headers as Record<string, string> | undefined,
        body: options.body as string | undefined,
      };
      this.pool.dispatch(request, {
        onRequestStart(started) {
          controller = started;
          if (signal?.aborted) started.abort(signal.reason as Error);
        },
        onResponseStart(_controller, statusCode, answered) {
          // An informational answer (100 Continue) is followed by the real one.
          if (statusCode < 200) return;
          status = statusCode;
          headers = responseHeaders(answered);
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          done();
          resolve(new GraphAnswer(status, headers ?? new Headers(), chunks));
        },
        onResponseError(_controller, error) {
          done();
          reject(error);
        },
      });
    });
  }
}

function responseHeaders(answered: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answered)) for (const one of [value ?? []].flat()) headers.append(name, one);
  return headers;
}

/**
 * A whole, already read answer with the part of Response that the SDK, its retry handler and this bot read (status,
 * ok, headers, json, text, arrayBuffer, blob, body). A Response proper would wrap the bytes just read in a new
 * stream, only to read them again.
 */
export class GraphAnswer implements PageBytes {
  readonly ok: boolean;
  readonly statusText: string;

  constructor(
    readonly status: number,
    readonly headers: Headers,
    /** As they came off the socket: JSON is decoded from them directly, not first copied into one buffer. */
    private readonly chunks: readonly Buffer[],
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
  }

  /** Read by the SDK only for content types it cannot parse, as an error's body: the text stands in for the stream. */
  get body(): string | null {
    return this.chunks.some((chunk) => chunk.length > 0) ? this.bodyText() : null;
  }

  text(): Promise<string> {
    return Promise.resolve(this.bodyText());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(new Uint8Array(this.bodyBytes()).buffer);
  }

  blob(): Promise<Blob> {
    return Promise.resolve(new Blob(this.chunks.map((chunk) => new Uint8Array(chunk)), { type: this.headers.get('content-type') ?? '' }));
  }

  hasBody(bytes: Buffer): boolean {
    let at = 0;
    for (const chunk of this.chunks) {
      if (!chunk.equals(bytes.subarray(at, at + chunk.length))) return false;
      at += chunk.length;
    }
    return at === bytes.length;
  }

  bodyBytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** UTF-8 across chunk boundaries (a character split between two reads is decoded whole). */
  bodyText(): string {
    if (this.chunks.length === 1) return this.chunks[0]!.toString('utf8');
    const decoder = new StringDecoder('utf8');
    let text = '';
    for (const chunk of this.chunks) text += decoder.write(chunk);
    return text + decoder.end();
  }
}
