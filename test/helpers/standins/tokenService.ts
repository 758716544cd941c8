import { randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DirectoryUser } from '../../../src/local-graph/seed.js';
import { BOT_APP_ID, BOT_FRAMEWORK_AUDIENCE, type LocalEntra } from './entra.js';
import { bearerOf, sendJson, StandInServer } from './http.js';

export const CONNECTION_NAME = 'bookings-sso';

/** One Token Service operation the bot called, for assertions. */
export interface TokenServiceCall {
  op: 'GetToken' | 'exchange' | 'SignOut' | 'GetSignInResource';
  userId?: string;
  channelId?: string;
  /** GetToken with a magic code. */
  withCode?: boolean;
  status: number;
  /** Entra's refusal when the Token Service asked it for the user's token, e.g. 'invalid_request/90009'. */
  entra?: string;
}

interface Session {
  user: DirectoryUser;
  token: string;
  expiresAt: number;
}

interface TokenExchangeState {
  connectionName?: string;
  conversation?: { user?: { id?: string }; channelId?: string };
  msAppId?: string;
}

/**
 * The stand-in for the Bot Framework Token Service (api.botframework.com, the OAuth connection's home): the REST
 * endpoints botbuilder's UserTokenClient calls, each requiring the bot's own Entra token. It keeps each user's
 * token for the connection (audience = the bot's app), exchanges Teams SSO tokens for it, serves a sign-in page
 * that ends in a magic code, and renews a stored token silently when it has expired, as the real one does with
 * its refresh token. Each time it asks the Entra stand-in for the connection's scopes, which refuses what Entra
 * refuses (the user then has no token).
 */
export class LocalTokenService {
  readonly calls: TokenServiceCall[] = [];
  /** Every REST call waits this long before it is answered (a Token Service that hangs). */
  delayMs = 0;
  /** Only these calls wait delayMs (default: all). */
  delayOnly?: TokenServiceCall['op'][];
  /**
   * The Entra app of the Azure Bot resource whose OAuth connection this is. A token of any other app is refused with
   * 401, as when MicrosoftAppId names another app than the bot resource's.
   */
  registeredAppId = BOT_APP_ID;
  /**
   * The OAuth connection's Scopes, as infra/botRegistration/azurebot.bicep sets them: the bot's own access_as_user,
   * named by the app's GUID. The Token Service asks Entra for them as the bot's app (LocalEntra.connectionGrant).
   */
  connectionScopes = `${BOT_APP_ID}/access_as_user`;
  private readonly sessions = new Map<string, Session>();
  /** Magic codes shown by the sign-in page, waiting for the bot to redeem them. */
  private readonly codes = new Map<string, { key: string; user: DirectoryUser }>();
  /** Sign-in resources handed out: id → whose and where. */
  private readonly resources = new Map<string, { userId: string; channelId: string }>();
  readonly server = new StandInServer(false, (req, url, body, res) => this.handle(req, url, body, res));
  url = '';

  constructor(private readonly entra: LocalEntra) {}

  async start(): Promise<this> {
    this.url = await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Makes the stored token of a user look expired, as after an hour of inactivity. */
  expire(userId: string, channelId = 'msteams'): void {
    const session = this.sessions.get(key(userId, CONNECTION_NAME, channelId));
    if (session) session.expiresAt = 0;
  }

  /** Setup shortcut for load tests: the user has already signed in on this channel (as after an SSO exchange). */
  async signInDirectly(userId: string, user: DirectoryUser, channelId = 'msteams'): Promise<void> {
    const refused = await this.store(key(userId, CONNECTION_NAME, channelId), user, 'on_behalf_of');
    if (refused) throw new Error(`Entra refused the connection's token: ${refused}`);
  }

  signedIn(userId: string, channelId = 'msteams'): boolean {
    return this.sessions.has(key(userId, CONNECTION_NAME, channelId));
  }

  /**
   * What a browser does with the card's sign-in link: the user signs in (and consents) as `upn`, and the page
   * shows a magic code. Returns the code.
   */
  async completeSignInPage(signInLink: string, upn: string): Promise<string> {
    const response = await fetch(`${signInLink}&login_hint=${encodeURIComponent(upn)}`);
    const { code } = (await response.json()) as { code: string };
    return code;
  }

  private async handle(req: IncomingMessage, url: URL, body: string, res: ServerResponse): Promise<void> {
    if (url.pathname === '/signin') return this.signInPage(url, res);
    const op = url.pathname.split('/').pop() as TokenServiceCall['op'];
    if (this.delayMs > 0 && (this.delayOnly ?? [op]).includes(op)) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const userId = url.searchParams.get('userId') ?? undefined;
    const channelId = url.searchParams.get('channelId') ?? undefined;
    const record = (status: number, extra: Partial<TokenServiceCall> = {}) => this.calls.push({ op, userId, channelId, status, ...extra });
    if (!(await this.entra.verifyBot(bearerOf(req) ?? '', BOT_FRAMEWORK_AUDIENCE, this.registeredAppId))) {
      record(401);
      return sendJson(res, 401, { error: { code: 'Unauthorized', message: 'The bot token is missing or invalid.' } });
    }
    const connectionName = url.searchParams.get('connectionName') ?? '';
    if (op !== 'GetSignInResource' && connectionName !== CONNECTION_NAME) {
      record(400);
      return sendJson(res, 400, { error: { code: 'BadArgument', message: `No OAuth connection named '${connectionName}'.` } });
    }
    const sessionKey = key(userId ?? '', connectionName, channelId ?? '');

    if (req.method === 'GET' && op === 'GetToken') {
      const code = url.searchParams.get('code');
      if (code) {
        const pending = this.codes.get(code);
        if (pending?.key === sessionKey) {
          this.codes.delete(code);
          const refused = await this.store(sessionKey, pending.user, 'authorization_code');
          if (refused) {
            record(404, { withCode: true, entra: refused });
            return sendJson(res, 404, {});
          }
        }
      }
      const session = this.sessions.get(sessionKey);
      if (!session) {
        record(404, { withCode: Boolean(code) });
        return sendJson(res, 404, {});
      }
      if (session.expiresAt <= Date.now()) {
        // Renewed with the refresh token; refused, the user has no token any more and must sign in again.
        const refused = await this.store(sessionKey, session.user, 'refresh_token');
        if (refused) {
          this.sessions.delete(sessionKey);
          record(404, { withCode: Boolean(code), entra: refused });
          return sendJson(res, 404, {});
        }
      }
      record(200, { withCode: Boolean(code) });
      return sendJson(res, 200, this.tokenResponse(sessionKey, channelId!));
    }
    if (req.method === 'POST' && op === 'exchange') {
      const { token } = JSON.parse(body || '{}') as { token?: string };
      const verified = token ? await this.entra.verify(token, `api://botid-${BOT_APP_ID}`) : undefined;
      if (!verified || verified.expired) {
        record(400);
        return sendJson(res, 400, { error: { code: 'ServiceError', message: 'Token exchange failed: the token cannot be exchanged.' } });
      }
      const refused = await this.store(sessionKey, verified.user, 'on_behalf_of');
      if (refused) {
        record(400, { entra: refused });
        return sendJson(res, 400, { error: { code: 'ServiceError', message: `Token exchange failed: ${refused}.` } });
      }
      record(200);
      return sendJson(res, 200, this.tokenResponse(sessionKey, channelId!));
    }
    if (req.method === 'DELETE' && op === 'SignOut') {
      this.sessions.delete(sessionKey);
      record(200);
      return sendJson(res, 200, {});
    }
    if (req.method === 'GET' && op === 'GetSignInResource') {
      const state = JSON.parse(Buffer.from(url.searchParams.get('state') ?? '', 'base64').toString('utf8')) as TokenExchangeState;
      const id = randomUUID();
      const owner = { userId: state.conversation?.user?.id ?? '', channelId: state.conversation?.channelId ?? '' };
      this.resources.set(id, owner);
      this.calls.push({ op, userId: owner.userId, channelId: owner.channelId, status: 200 });
      return sendJson(res, 200, {
        signInLink: `${this.url}/signin?resource=${id}`,
        tokenExchangeResource: { id, uri: `api://botid-${state.msAppId}`, providerId: 'c2a5f3b6-0d4e-4f7a-9b8c-1d2e3f4a5b6c' },
      });
    }
    record(404);
    return sendJson(res, 404, { error: { code: 'NotFound', message: 'No such operation.' } });
  }

  /**
   * The browser side of sign-in: the user signs in as login_hint; the page shows a magic code. It asks Entra only for
   * the OAuth connection's own scopes (connectionScopes, the bot's access_as_user), so it never grants the Graph
   * permissions that on-behalf-of needs (TD bots/how-to/authentication/bot-sso-register-aad.md; graph-bookings.md §7.4).
   */
  private signInPage(url: URL, res: ServerResponse): void {
    const resource = this.resources.get(url.searchParams.get('resource') ?? '');
    const user = this.entra.users.find((u) => u.userPrincipalName.toLowerCase() === url.searchParams.get('login_hint')?.toLowerCase());
    if (!resource || !user) return sendJson(res, 400, { error: 'unknown sign-in request or user' });
    const code = String(randomInt(100000, 1000000));
    this.codes.set(code, { key: key(resource.userId, CONNECTION_NAME, resource.channelId), user });
    sendJson(res, 200, { code });
  }

  /** Gets the user's token for the connection from Entra and keeps it; Entra's refusal ('error/AADSTS number') otherwise. */
  private async store(sessionKey: string, user: DirectoryUser, grant: Parameters<LocalEntra['connectionGrant']>[2]): Promise<string | undefined> {
    const answer = await this.entra.connectionGrant(user, this.connectionScopes, grant);
    if ('error' in answer) return `${answer.error}/${answer.code}`;
    this.sessions.set(sessionKey, { user, token: answer.token, expiresAt: Date.now() + 3600_000 });
    return undefined;
  }

  private tokenResponse(sessionKey: string, channelId: string) {
    const session = this.sessions.get(sessionKey)!;
    return { channelId, connectionName: CONNECTION_NAME, token: session.token, expiration: new Date(session.expiresAt).toISOString() };
  }
}

function key(userId: string, connectionName: string, channelId: string): string {
  return `${channelId}|${connectionName}|${userId}`;
}
