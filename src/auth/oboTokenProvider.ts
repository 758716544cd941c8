import type { ConfidentialClientApplication } from '@azure/msal-node';
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
}

/**
 * Production Graph tokens: the user's token for the bot's app (from Teams SSO via the Token Service) is exchanged
 * on behalf of the user for a Graph token with MSAL. MSAL caches per incoming token and scopes, so repeated clicks
 * within a token's life make no call to Entra ID.
 */
export class OboTokenProvider implements TokenProvider {
  /** Exchanges under way, per incoming token, so a turn's parallel Graph calls share one call to Entra. */
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly msal: ConfidentialClientApplication,
    private readonly options: OboOptions,
  ) {}

  getToken(user: UserRef): Promise<string> {
    if (!user.credential) return Promise.reject(new BookingsError(ErrorCode.SignInRequired, 'No user token for this turn'));
    const assertion = user.credential.reveal();
    let pending = this.inFlight.get(assertion);
    if (!pending) {
      pending = this.exchange(assertion, user).finally(() => this.inFlight.delete(assertion));
      this.inFlight.set(assertion, pending);
    }
    return pending;
  }

  private async exchange(assertion: string, user: UserRef): Promise<string> {
    const tenant = this.options.tenantId ?? user.tenantId ?? 'organizations';
    let accessToken: string | undefined;
    try {
      const result = await this.msal.acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: this.options.scopes, authority: `${this.options.authorityHost}/${tenant}` });
      accessToken = result?.accessToken;
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
    await Promise.all(accounts.filter((a) => a.localAccountId === user.aadObjectId).map((a) => cache.removeAccount(a)));
  }
}
