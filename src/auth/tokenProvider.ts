import type { Acting } from '../bookings/types.js';

/**
 * The seam between Graph calls and sign-in: Graph code asks for the current user's access token and never
 * knows whether it came from the local sign-in or (production) the user's Teams SSO token exchanged on-behalf-of.
 * Implementations throw CodedError(SignInRequired) when the user must sign in first.
 */
export interface TokenProvider {
  getToken(acting: Acting): Promise<string>;
  /** Drops the user's cached Graph token (Graph refused it, or they signed out): the next call gets a new one. */
  forget(acting: Acting): Promise<void>;
}
