import { BookingsError, ErrorCode } from '../bookings/errors.js';
import type { TokenProvider } from './tokenProvider.js';

/**
 * Production mode until Teams SSO with on-behalf-of exchange is configured: no Graph token can be had,
 * so every action answers "sign-in is not set up" instead of calling Graph anonymously.
 */
export class SignInNotConfigured implements TokenProvider {
  getToken(): Promise<string> {
    return Promise.reject(new BookingsError(ErrorCode.SignInRequired, 'No sign-in is configured for production mode'));
  }
}
