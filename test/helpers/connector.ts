import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { BOT_APP_ID, BOT_FRAMEWORK_AUDIENCE, type LocalEntra } from './standins/entra.js';
import { bearerOf, sendJson } from './standins/http.js';

/** The issuer of Bot Framework channel tokens (what botbuilder expects by default). */
const CHANNEL_ISSUER = 'https://api.botframework.com';

export interface ChannelTokenForgery {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: CryptoKey | KeyObject | Uint8Array;
}

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
 * Teams run it: it records each call and answers with a resource id, like the real one. Given a local Entra, it
 * is also the authenticated channel of production mode: it signs the activities it sends (JWT with endorsed keys
 * published as OpenID metadata, like login.botframework.com) and refuses replies without the bot's Entra token.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  /** Replies refused for a missing or invalid bot token. */
  unauthorizedCalls = 0;
  private readonly server: Server;
  private waiters: (() => void)[] = [];
  private keys?: Awaited<ReturnType<typeof generateKeyPair>>;
  private jwk?: JWK;
  url = '';

  constructor(private readonly entra?: LocalEntra) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.handle(req, res, chunks));
    });
  }

  /** The published signing key and its private half (for forgeries that misuse them). */
  get keyPair(): { publicKey: CryptoKey; privateKey: CryptoKey } {
    return this.keys!;
  }

  /** Where the bot reads the channel's signing keys (BOT_OPENID_METADATA_URL). */
  get openIdMetadataUrl(): string {
    return `${this.url}/v1/.well-known/openidconfiguration`;
  }

  /** The Authorization header Azure Bot Service puts on an activity it sends to the bot. */
  channelAuthorization(serviceUrl: string, audience = BOT_APP_ID): Promise<string> {
    return this.forgedAuthorization(serviceUrl, { claims: { aud: audience } });
  }

  /**
   * A channel token correct in every way but the ones `forgery` changes: claims replaced (undefined removes one),
   * the protected header changed, or signed with another key than the published one.
   */
  async forgedAuthorization(serviceUrl: string, forgery: ChannelTokenForgery = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { iss: CHANNEL_ISSUER, aud: BOT_APP_ID, serviceurl: serviceUrl, nbf: now - 60, exp: now + 3600, ...forgery.claims };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    const header = { alg: 'RS256', typ: 'JWT', kid: this.jwk!.kid!, ...forgery.header };
    return `Bearer ${await new SignJWT(claims).setProtectedHeader(header).sign(forgery.key ?? this.keys!.privateKey)}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, chunks: Buffer[]): Promise<void> {
    if (req.method === 'GET' && req.url === '/v1/.well-known/openidconfiguration') {
      return sendJson(res, 200, { issuer: CHANNEL_ISSUER, jwks_uri: `${this.url}/v1/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] });
    }
    if (req.method === 'GET' && req.url === '/v1/keys') {
      return sendJson(res, 200, { keys: [{ ...this.jwk, endorsements: ['msteams', 'emulator', 'webchat'] }] });
    }
    if (this.entra) {
      if (!(await this.entra.verifyBot(bearerOf(req) ?? '', BOT_FRAMEWORK_AUDIENCE))) {
        this.unauthorizedCalls++;
        return sendJson(res, 401, { error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' } });
      }
    }
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
  }

  async start(): Promise<this> {
    this.keys = await generateKeyPair('RS256', { extractable: true });
    this.jwk = { ...(await exportJWK(this.keys.publicKey)), kid: 'local-channel-1', use: 'sig', alg: 'RS256' };
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
