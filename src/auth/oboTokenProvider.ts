import { createHash } from 'node:crypto';
import type { AccountInfo, ConfidentialClientApplication } from '@azure/msal-node';
import { BookingsError, ErrorCode } from '../bookings/errors.js';
import type { UserRef } from '../bookings/types.js';
import { toSignInError } from './msalErrors.js';
import type { TokenProvider } from './tokenProvider.js';

export interface OboOptions {
  /** Delegated Graph scopes, full URIs. */
  scopes: string[];
  /** Entra sign-in host, e.g. https://login.microsoftonline.com. */
  authorityHost: string;
  /** The bot's tenant; undefined for a multi-tenant bot, which asks each user's own tenant. */
  tenantId?: string;
  /** How often expired users are dropped from MSAL's cache (default one minute). */
  sweepIntervalMs?: number;
  now?: () => number;
}

/** MSAL renews a cached token this long before it expires; the front cache below does the same. */
const RENEWAL_MARGIN_MS = 300_000;

/**
 * Production Graph tokens: the user's token for the bot's app (from Teams SSO via the Token Service) is exchanged
 * on behalf of the user for a Graph token with MSAL. Repeated clicks within a token's life make no call to Entra
 * ID, and none to MSAL either: MSAL's cache lookup scans every token it holds, which the benchmark's profile showed
 * as the bot's largest cost once a thousand users had signed in, so a map keyed by the user's token answers first.
 */
export class OboTokenProvider implements TokenProvider {
  /** Exchanges under way, per incoming token, so a turn's parallel Graph calls share one call to Entra. */
  private readonly inFlight = new Map<string, Promise<string>>();
  /**
   * Each user's MSAL account and when their newest Graph token expires. MSAL never evicts on its own, so without
   * this sweep its cache would grow with every user the process has ever served.
   */
  private readonly accounts = new Map<string, { account: AccountInfo; expiresAt: number }>();
  /** Graph tokens by a hash of the user's token (so no user token is kept as a key). */
  private readonly graphTokens = new Map<string, { accessToken: string; renewAt: number; expiresAt: number; account?: string }>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    private readonly msal: ConfidentialClientApplication,
    private readonly options: OboOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => void this.evictExpired(), options.sweepIntervalMs ?? 60_000).unref();
  }

  /** Stops the sweeper (at shutdown). */
  close(): void {
    clearInterval(this.sweeper);
  }

  /** Removes from MSAL's cache every user whose Graph tokens have all expired; returns how many. */
  async evictExpired(): Promise<number> {
    const now = this.now();
    for (const [key, entry] of this.graphTokens) if (entry.expiresAt <= now) this.graphTokens.delete(key);
    const expired = [...this.accounts].filter(([, entry]) => entry.expiresAt <= now);
    const cache = this.msal.getTokenCache();
    for (const [key, { account }] of expired) {
      this.accounts.delete(key);
      await cache.removeAccount(account);
    }
    return expired.length;
  }

  /** Users whose tokens MSAL holds (for /healthz and the benchmark). */
  get cachedUsers(): number {
    return this.accounts.size;
  }

  getToken(user: UserRef): Promise<string> {
    if (!user.credential) return Promise.reject(new BookingsError(ErrorCode.SignInRequired, 'No user token for this turn'));
    const assertion = user.credential.reveal();
    const key = createHash('sha256').update(assertion).digest('base64url');
    const cached = this.graphTokens.get(key);
    if (cached && this.now() < cached.renewAt) return Promise.resolve(cached.accessToken);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.exchange(assertion, key, user).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async exchange(assertion: string, key: string, user: UserRef): Promise<string> {
    const tenant = this.options.tenantId ?? user.tenantId ?? 'organizations';
    let accessToken: string | undefined;
    try {
      const result = await this.msal.acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: this.options.scopes, authority: `${this.options.authorityHost}/${tenant}` });
      accessToken = result?.accessToken;
      if (result?.accessToken && result.expiresOn) {
        const expiresAt = result.expiresOn.getTime();
        this.graphTokens.set(key, { accessToken: result.accessToken, renewAt: expiresAt - RENEWAL_MARGIN_MS, expiresAt, account: result.account?.homeAccountId });
        if (result.account) this.accounts.set(result.account.homeAccountId, { account: result.account, expiresAt });
      }
    } catch (error) {
      throw toSignInError(error);
    }
    if (!accessToken) throw new BookingsError(ErrorCode.SignInRequired, 'Entra ID returned no token');
    return accessToken;
  }

  /** Drops every Graph token MSAL holds for this user (sign-out). */
  async forget(user: UserRef): Promise<void> {
    if (!user.aadObjectId) return;
    const cache = this.msal.getTokenCache();
    const accounts = await cache.getAllAccounts();
    for (const account of accounts.filter((a) => a.localAccountId === user.aadObjectId)) {
      this.accounts.delete(account.homeAccountId);
      for (const [key, entry] of this.graphTokens) if (entry.account === account.homeAccountId) this.graphTokens.delete(key);
      await cache.removeAccount(account);
    }
  }
}
