import { readFileSync } from 'node:fs';
import restify from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { ActivityHandler } from 'botbuilder';
import type { Logger } from '../logging/logger.js';

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

export interface ServerOptions {
  port: number;
  host: string;
  adapter: CloudAdapter;
  bot: ActivityHandler;
  logger: Logger;
  health: () => Record<string, unknown>;
}

/** HTTP only: /api/messages to the adapter, /healthz, and a graceful close. Knows nothing about Bookings. */
export async function startServer(options: ServerOptions): Promise<BotServer> {
  const server = restify.createServer({ name: 'bookings-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }));
  let inFlight = 0;
  let idle: (() => void) | undefined;

  server.post('/api/messages', async (req, res) => {
    inFlight++;
    try {
      await options.adapter.process(req, res, (context) => options.bot.run(context));
    } catch (error) {
      options.logger.error({ err: { type: (error as Error).name } }, 'activity processing failed');
      if (!res.headersSent) res.send(500);
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  });
  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok', inFlight, ...options.health() });
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
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url,
    async close(graceMs = 10_000) {
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
