import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the bot sent to the channel: a reply/new message (POST) or an update of an earlier one (PUT). */
export interface ConnectorCall {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** The activity replied to (POST) or updated (PUT). */
  activityId?: string;
  activity: { type: string; id?: string; text?: string; attachments?: { contentType: string; content: Record<string, unknown> }[]; [key: string]: unknown };
}

/**
 * A stand-in for the Bot Connector service the bot replies to (the activity's serviceUrl), as the Emulator and
 * Teams run it: it records each call and answers with a resource id, like the real one.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  private readonly server: Server;
  private waiters: (() => void)[] = [];
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
        if (!match || (req.method !== 'POST' && req.method !== 'PUT')) {
          res.writeHead(404);
          res.end();
          return;
        }
        const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ConnectorCall['activity'];
        const id = req.method === 'PUT' ? decodeURIComponent(match[2]!) : randomUUID();
        this.calls.push({ method: req.method, conversationId: decodeURIComponent(match[1]!), activityId: match[2] && decodeURIComponent(match[2]), activity: { ...activity, id } });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id }));
        this.waiters.forEach((w) => w());
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Calls that carry a card (typing indicators left out). */
  cardCalls(): ConnectorCall[] {
    return this.calls.filter((c) => c.activity.attachments?.length);
  }

  /** Resolves once `count` card calls have arrived in total. */
  async waitForCards(count: number, timeoutMs = 10_000): Promise<ConnectorCall[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.cardCalls().length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} card calls, got ${this.cardCalls().length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
      this.waiters = [];
    }
    return this.cardCalls();
  }
}
