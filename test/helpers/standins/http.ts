import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A stand-in's answer to one request; `raw` is the body as its bytes (gzip, say), `body` the same read as UTF-8. */
export type Handler = (req: IncomingMessage, url: URL, body: string, res: ServerResponse, raw: Buffer) => Promise<void> | void;

/** One request a stand-in answered, for the benchmark's per-click sequences. */
export interface WireCall {
  method: string;
  path: string;
  startedAt: number;
  endedAt?: number;
}

/**
 * A loopback server for a stand-in: https with the test certificate (see tlsSetup.ts) or plain http. Stopped, it
 * refuses connections (a peer that is down); started again, it listens on the same port (the peer is back).
 */
export class StandInServer {
  private readonly server: Server;
  private port = 0;
  url = '';
  /** Added before every answer: the network hop to Microsoft that loopback does not have (benchmark). */
  latencyMs = 0;
  /** Every request, in arrival order, with when it came and when it was answered. */
  readonly wire: WireCall[] = [];

  constructor(
    private readonly tls: boolean,
    handler: Handler,
  ) {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://stand-in');
        const call: WireCall = { method: req.method ?? 'GET', path: url.pathname, startedAt: performance.now() };
        this.wire.push(call);
        res.once('finish', () => (call.endedAt = performance.now()));
        const answer = async () => {
          if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
          const raw = Buffer.concat(chunks);
          await handler(req, url, raw.toString('utf8'), res, raw);
        };
        answer().catch((error: unknown) => {
          if (!res.headersSent) sendJson(res, 500, { error: 'stand_in_failure', error_description: String(error) });
        });
      });
    };
    if (tls) {
      const dir = process.env.TEST_TLS_DIR;
      if (!dir) throw new Error('TEST_TLS_DIR is not set: run the tests through vitest (globalSetup makes the certificate)');
      this.server = createHttpsServer({ cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }, listener);
    } else {
      this.server = createHttpServer(listener);
    }
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export function bearerOf(req: IncomingMessage): string | undefined {
  return /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
}
