import { createHash } from 'node:crypto';
import { type AuthenticationResult, type ConfidentialClientApplication, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { msUntil } from '../bookings/deadline.js';
import { CodedError, ErrorCode } from '../bookings/errors.js';
import type { Acting } from '../bookings/types.js';
import { toSignInError } from './msalErrors.js';
import type { CachedGraphToken, SharedTokenCache } from './sharedTokenCache.js';
import type { TokenProvider } from './tokenProvider.js';
import { SIGN_OUT_REMEMBERED_MS, SWEEP_EVERY_MS, TOKEN_RENEWAL_MARGIN_MS } from '../config/durations.js';
import { ENTRA_TOKEN_ROUTE } from '../telemetry/routes.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry/telemetry.js';

export interface OboOptions {
  /** Delegated Graph scopes, full URIs. */
  scopes: string[];
  /** Entra sign-in host, e.g. https://login.microsoftonline.com. */
  authorityHost: string;
  /** The bot's tenant; undefined for a multi-tenant bot, which asks each user's own tenant. */
  tenantId?: string;
  /** How often expired Graph tokens are dropped (default one minute). */
  sweepIntervalMs?: number;
  now?: () => number;
  /** Graph tokens shared with the other instances (Blob storage); without it each instance exchanges on its own. */
  shared?: SharedTokenCache;
  /** Told when the shared cache fails, with the turn's log fields; the token is then exchanged (or kept) locally. */
  onSharedCacheError?: (error: unknown, logFields?: Readonly<Record<string, unknown>>) => void;
  /** Where each exchange's span and each cache lookup go (NO_TELEMETRY by default). */
  telemetry?: Telemetry;
}


/**
 * Production Graph tokens: the user's token for the bot's app (from Teams SSO via the Token Service) is exchanged
 * on behalf of the user for a Graph token. MSAL does the exchange (request, errors, claims); the bot keeps the
 * resulting Graph tokens in its own map, one per user, and takes the user out of MSAL's cache
 * straight away. MSAL's in-memory cache never evicts and scans every entry on each call: in the benchmark its
 * lookups were the bot's largest cost at 1,000 users and saturated a core at 10,000. This map answers in O(1),
 * loses expired tokens every minute, and serves repeated clicks within a token's life with no call to Entra ID.
 * Behind it, the shared cache (same partitions) lets an instance use a token another instance obtained.
 */
export class OboTokenProvider implements TokenProvider {
  /** Exchanges under way, per user, so a turn's parallel Graph calls share one call to Entra. */
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Graph tokens per user (see partitionOf). */
  private readonly graphTokens = new Map<string, CachedGraphToken>();
  /** When each user last signed out on this instance (epoch ms), for as long as a sign-out is remembered. */
  private readonly signedOut = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly telemetry: Telemetry;

  constructor(
    private readonly msal: ConfidentialClientApplication,
    private readonly options: OboOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.telemetry = options.telemetry ?? NO_TELEMETRY;
    this.sweeper = setInterval(() => this.evictExpired(), options.sweepIntervalMs ?? SWEEP_EVERY_MS).unref();
  }

  /** Stops the sweeper (at shutdown). */
  close(): void {
    clearInterval(this.sweeper);
  }

  /** Drops every Graph token that has expired; returns how many. */
  evictExpired(): number {
    const now = this.now();
    let evicted = 0;
    for (const [key, entry] of this.graphTokens) {
      if (entry.expiresAt > now) continue;
      this.graphTokens.delete(key);
      evicted++;
    }
    for (const [key, at] of this.signedOut) if (now - at > SIGN_OUT_REMEMBERED_MS) this.signedOut.delete(key);
    return evicted;
  }

  /** Graph tokens held (for /healthz and the benchmark). */
  get cachedTokens(): number {
    return this.graphTokens.size;
  }

  /**
   * Whether the user's Graph token is cached and not yet due for renewal: here, and (with several instances) in the
   * shared cache too, which a sign-out on any instance clears. Then getToken needs no user token for this turn.
   */
  async hasFreshToken(acting: Acting): Promise<boolean> {
    if (!acting.user.aadObjectId || !acting.user.tenantId) return false;
    const key = userPartition(acting.user.tenantId, acting.user.aadObjectId);
    const { shared, onSharedCacheError } = this.options;
    if (!shared) return this.isFreshFor(this.graphTokens.get(key), acting);
    const found = await shared.get(key).catch((error: unknown) => void onSharedCacheError?.(error, acting.meter?.logFields));
    if (!this.isFresh(found)) {
      this.graphTokens.delete(key);
      return false;
    }
    this.graphTokens.set(key, found!);
    return this.isFreshFor(found, acting);
  }

  getToken(acting: Acting): Promise<string> {
    if (!acting.credential) return this.remembered(acting);
    const assertion = acting.credential.reveal();
    const key = partitionOf(assertion);
    const cached = this.graphTokens.get(key);
    if (cached && this.now() < cached.renewAt) {
      this.telemetry.tokenCacheLookup('obo', 'hit');
      return Promise.resolve(cached.accessToken);
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      const stopJoining = () => {
        if (this.inFlight.get(key) === exchanging) this.inFlight.delete(key);
      };
      // No longer joined after the deadline of the turn that began it: an Entra ID that hangs must not hold the
      // user's later turns (each caller waits within its own deadline).
      const left = msUntil(acting.deadline);
      const timer = Number.isFinite(left) ? setTimeout(stopJoining, left).unref() : undefined;
      const exchanging: Promise<string> = this.fromSharedOrExchange(assertion, key, acting).finally(() => {
        clearTimeout(timer);
        stopJoining();
      });
      pending = exchanging;
      this.inFlight.set(key, exchanging);
    }
    return pending;
  }

  /** A turn with no user token (see hasFreshToken): the user's cached Graph token, or SignInRequired. */
  private remembered(acting: Acting): Promise<string> {
    const cached = acting.user.aadObjectId && acting.user.tenantId ? this.graphTokens.get(userPartition(acting.user.tenantId, acting.user.aadObjectId)) : undefined;
    const fresh = this.isFreshFor(cached, acting);
    this.telemetry.tokenCacheLookup('obo', fresh ? 'hit' : 'miss');
    if (fresh) return Promise.resolve(cached!.accessToken);
    return Promise.reject(new CodedError(ErrorCode.SignInRequired, 'No user token for this turn'));
  }

  private isFresh(token: CachedGraphToken | undefined): boolean {
    return token !== undefined && this.now() < token.renewAt;
  }

  /** Fresh, and obtained through this same channel user's Token Service token (not only the same Entra user). */
  private isFreshFor(token: CachedGraphToken | undefined, acting: Acting): boolean {
    return this.isFresh(token) && token!.channelUser === acting.user.id;
  }

  /** Drops this user's Graph token, here and (best effort) in the shared cache: Graph refused it. */
  async forget(acting: Acting): Promise<void> {
    await Promise.all(
      partitionsOf(acting).map(async (key) => {
        this.graphTokens.delete(key);
        await this.options.shared?.delete(key).catch((error: unknown) => this.options.onSharedCacheError?.(error, acting.meter?.logFields));
      }),
    );
  }

  /**
   * The user signed out: drops their Graph token here and in the shared cache, and marks the sign-out there so an
   * exchange still under way on another instance does not store its token after it; or fails: a token left in the
   * shared cache would let any instance go on as the user without the Token Service (see hasFreshToken).
   */
  async forgetEverywhere(acting: Acting): Promise<void> {
    // Dated at the end of the sign-out's turn: a turn that begins while the Token Service is still signing the user
    // out (another Teams client, a card refresh) may yet get their token, and must not keep what it exchanges.
    const turnLeft = msUntil(acting.deadline);
    const at = this.now() + (Number.isFinite(turnLeft) ? turnLeft : 0);
    await Promise.all(
      partitionsOf(acting).map(async (key) => {
        this.graphTokens.delete(key);
        this.signedOut.set(key, at);
        await this.options.shared?.signedOut(key, at);
      }),
    );
  }

  private async fromSharedOrExchange(assertion: string, key: string, acting: Acting): Promise<string> {
    const { shared, onSharedCacheError } = this.options;
    const found = await shared?.get(key).catch((error: unknown) => void onSharedCacheError?.(error, acting.meter?.logFields));
    if (found && this.now() < found.renewAt) {
      this.telemetry.tokenCacheLookup('obo', 'shared');
      this.graphTokens.set(key, found);
      return found.accessToken;
    }
    this.telemetry.tokenCacheLookup('obo', 'miss');
    // The user token came from the Token Service in this turn: a sign-out since the turn began must win.
    const began = acting.startedAt ?? this.now();
    const token = { ...(await this.exchange(assertion, acting)), channelUser: acting.user.id };
    // Kept only when the user has not signed out since (here, or anywhere: the shared cache keeps the mark), and
    // while a sign-out would still be remembered (an exchange abandoned long ago must not outlive the mark).
    // This turn, begun before, still gets its answer.
    if (this.now() - began > SIGN_OUT_REMEMBERED_MS || (this.signedOut.get(key) ?? -Infinity) >= began) return token.accessToken;
    this.graphTokens.set(key, token);
    const stored = await shared?.set(key, token, began).catch((error: unknown) => void onSharedCacheError?.(error, acting.meter?.logFields));
    // Refused: the user signed out on another instance meanwhile (or another exchange stored its token first).
    if (stored === false) this.graphTokens.delete(key);
    return token.accessToken;
  }

  private async exchange(assertion: string, acting: Acting): Promise<CachedGraphToken> {
    const tenant = this.options.tenantId ?? acting.user.tenantId ?? 'organizations';
    let result: AuthenticationResult | null;
    const span = this.telemetry.httpCall(acting.meter?.trace, { service: 'entra', method: 'POST', origin: this.options.authorityHost, route: ENTRA_TOKEN_ROUTE });
    try {
      result = await this.msal.acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: this.options.scopes, authority: `${this.options.authorityHost}/${tenant}`, skipCache: true });
    } catch (error) {
      const coded = toSignInError(error);
      // Entra's status and AADSTS number, never its error_description (it may name the user).
      const answered = error instanceof ServerError || error instanceof InteractionRequiredAuthError ? error : undefined;
      const status = error instanceof ServerError ? error.status : undefined;
      span.end({ status, error: coded.code, entraError: answered?.errorNo === undefined ? undefined : String(answered.errorNo).replace(/\D/g, '').slice(0, 10) || undefined, tokenCache: 'miss' });
      throw coded;
    }
    span.end({ status: 200, tokenCache: 'miss' });
    if (result?.account) await this.msal.getTokenCache().removeAccount(result.account);
    if (!result?.accessToken) throw new CodedError(ErrorCode.SignInRequired, 'Entra ID returned no token');
    const expiresAt = result.expiresOn?.getTime() ?? this.now();
    return { accessToken: result.accessToken, renewAt: expiresAt - TOKEN_RENEWAL_MARGIN_MS, expiresAt };
  }
}

/**
 * Whose Graph token this is: the tenant and object id of the user token (it comes from the Token Service over an
 * authenticated call, and Entra checks it again in the exchange). Keyed per user rather than per user token, a token
 * the Token Service renewed, or a second Teams client's exchange, still finds the user's Graph token. A token that
 * is not a JWT with those claims gets its own partition (its hash).
 */
function partitionOf(assertion: string): string {
  try {
    const { tid, oid } = decodeJwt(assertion);
    if (typeof tid === 'string' && typeof oid === 'string') return userPartition(tid, oid);
  } catch {
    // not a JWT: fall through
  }
  return createHash('sha256').update(assertion).digest('base64url');
}

/**
 * Every partition that may hold this user's Graph token: the activity's tenant and object id (what a turn without a
 * user token looks up), and the user token's own (where an exchange stored it), when the turn has one and they differ.
 */
function partitionsOf(acting: Acting): string[] {
  const keys = new Set<string>();
  if (acting.user.aadObjectId && acting.user.tenantId) keys.add(userPartition(acting.user.tenantId, acting.user.aadObjectId));
  if (acting.credential) keys.add(partitionOf(acting.credential.reveal()));
  return [...keys];
}

function userPartition(tenantId: string, objectId: string): string {
  return `${tenantId}.${objectId}`;
}
