import { CodedError, ErrorCode } from '../bookings/errors.js';
import { LOCAL_SIGN_IN_CALL_MS, TOKEN_RENEWAL_MARGIN_MS } from '../config/durations.js';
import type { TokenProvider } from './tokenProvider.js';

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
}

/**
 * Local sign-in: every chat user acts as one configured directory user, with a token from the local Graph
 * service's token endpoint (the stand-in for Entra ID). Tokens are reused until shortly before they expire.
 */
export class LocalTokenProvider implements TokenProvider {
  private cached?: { token: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly tokenUrl: string,
    private readonly login: string,
    private readonly now: () => number = Date.now,
  ) {}

  getToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  forget(): Promise<void> {
    this.cached = undefined;
    return Promise.resolve();
  }

  private async fetchToken(): Promise<string> {
    let body: TokenResponse;
    try {
      const response = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: this.login }),
        signal: AbortSignal.timeout(LOCAL_SIGN_IN_CALL_MS),
      });
      body = (await response.json()) as TokenResponse;
    } catch (cause) {
      throw new CodedError(ErrorCode.Unavailable, 'Local sign-in service unreachable', { cause });
    }
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new CodedError(ErrorCode.SignInRequired, 'Local sign-in refused the configured user');
    }
    // Renewed early, as MSAL renews real tokens, so a token never expires between being handed out and reaching Graph.
    this.cached = { token: body.access_token, refreshAt: this.now() + Math.max(0, body.expires_in * 1_000 - TOKEN_RENEWAL_MARGIN_MS) };
    return body.access_token;
  }
}
