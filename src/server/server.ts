import { readFileSync } from 'node:fs';
import getRawBody from 'raw-body';
import restify, { type Request } from 'restify';
import { BODY_READ_MS, HEADERS_READ_MS, SHUTDOWN_GRACE_MS } from '../config/durations.js';

const STATIC_PAGES: [path: string, file: string, contentType: string][] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/privacy', 'privacy.html', 'text/html; charset=utf-8'],
  ['/terms', 'terms.html', 'text/html; charset=utf-8'],
  ['/page.css', 'page.css', 'text/css; charset=utf-8'],
];

export interface BotServer {
  /** e.g. http://127.0.0.1:3978 */
  url: string;
  /** Stops accepting, waits (bounded) for turns in flight, then closes. */
  close(graceMs?: number): Promise<void>;
}

/** A POST to /api/messages, handed on once its body is known to be JSON. */
export interface MessageRequest {
  authorization?: string;
  body: unknown;
}

export interface ServerOptions {
  port: number;
  host: string;
  /** What answers /api/messages (the bot's inbound gate). */
  onMessage: (request: MessageRequest) => Promise<{ status: number; body?: unknown }>;
  /** Figures for operators; /healthz shows them only to callers on this machine. */
  health: () => Record<string, unknown>;
  /** How long a request's body may take to arrive (BODY_READ_MS): a body trickled slower is answered 408. */
  bodyTimeoutMs?: number;
}

const MAX_BODY_BYTES = 256 * 1024;

/**
 * HTTP only: /api/messages to the bot's gate, /healthz, the manifest's pages, and a graceful close. Knows nothing
 * about Bookings or botbuilder.
 */
export async function startServer(options: ServerOptions): Promise<BotServer> {
  const server = restify.createServer({ name: 'bookings-bot', handleUncaughtExceptions: false });
  // Node waits 60 s for headers and 300 s for a whole request by default: a client trickling bytes holds a socket
  // and memory that long. Headers now get HEADERS_READ_MS; bodies bodyTimeoutMs (bodyOf).
  server.server.headersTimeout = HEADERS_READ_MS;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? BODY_READ_MS;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  // Only JSON, checked before the body is read: a web page can post a form, multipart or text body to a bot on the
  // user's machine without a CORS preflight, but not application/json.
  server.post('/api/messages', refuseNonJson, async (req, res) => {
    const raw = await bodyOf(req, bodyTimeoutMs);
    if (typeof raw === 'number') {
      // The rest of a refused body is not waited for: the connection ends with the answer.
      if (raw === 408) res.setHeader('Connection', 'close');
      res.send(raw, { error: BODY_REFUSALS[raw] });
      return;
    }
    const body = parseJson(raw);
    if (body === undefined) {
      res.send(400, { error: 'Bad request: the body is not JSON.' });
      return;
    }
    inFlight++;
    try {
      const answer = await options.onMessage({ authorization: req.header('authorization') || undefined, body });
      res.send(answer.status, answer.body);
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  });
  // Liveness for load balancers. The figures (memory, cached tokens, state) only for a caller on this machine that
  // no proxy forwarded: they say how many people use the bot.
  server.get('/healthz', async (req, res) => {
    res.send(200, isLocalCaller(req) ? { status: 'ok', inFlight, ...options.health() } : { status: 'ok' });
    return Promise.resolve();
  });
  // The pages the Teams manifest links to (websiteUrl, privacyUrl, termsOfUseUrl).
  for (const [path, file, type] of STATIC_PAGES) {
    const body = readFileSync(new URL(`./pages/${file}`, import.meta.url));
    server.get(path, async (_req, res) => {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'public, max-age=3600' });
      res.end(body);
      return Promise.resolve();
    });
  }

  await new Promise<void>((resolve, reject) => {
    // restify re-emits its http server's errors as its own: a busy port arrives there.
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url,
    async close(graceMs = SHUTDOWN_GRACE_MS) {
      const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
      server.server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (idle = resolve)), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      }
      server.server.closeAllConnections();
      await closed;
    },
  };
}

function refuseNonJson(req: Request, res: restify.Response, next: restify.Next): void {
  // Uncompressed only: no channel compresses what it posts to a bot.
  const encoding = req.header('content-encoding');
  if (req.getContentType().trim() !== 'application/json' || (encoding && encoding.trim().toLowerCase() !== 'identity')) {
    res.send(415, { error: 'Unsupported media type: send application/json.' });
    return next(false);
  }
  next();
}

/**
 * The body's bytes, at most MAX_BODY_BYTES, or the status that refuses it: 413 past the limit (announced or sent),
 * 400 for a body that ended short of its Content-Length. Not restify's bodyReader: its `new Buffer(0)` makes Node
 * walk the call stack on each of a process's first 10,000 requests, to see whether to warn about it.
 */
async function bodyOf(req: Request, timeoutMs: number): Promise<Buffer | 413 | 400 | 408> {
  const read = getRawBody(req, { limit: MAX_BODY_BYTES, length: req.header('content-length') || null }).catch((error: unknown) =>
    (error as { type?: string }).type === 'entity.too.large' ? (413 as const) : (400 as const),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<408>((resolve) => (timer = setTimeout(() => resolve(408), timeoutMs)));
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

const BODY_REFUSALS: Record<413 | 400 | 408, string> = {
  413: 'Payload too large.',
  400: 'Bad request: the body could not be read.',
  408: 'Request timeout: the body did not arrive in time.',
};

/** The body read as UTF-8 JSON (RFC 8259 allows no other encoding), or undefined when it is not JSON. */
function parseJson(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

function isLocalCaller(req: Request): boolean {
  const forwarded = req.header('x-forwarded-for') || req.header('forwarded') || req.header('x-arr-log-id');
  return !forwarded && LOOPBACK.test(req.socket.remoteAddress ?? '');
}
