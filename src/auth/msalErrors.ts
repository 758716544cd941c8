import { AuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { CodedError, ErrorCode } from '../bookings/errors.js';

/** AADSTS codes (Entra's error_codes) that mean "the user must consent or verify interactively". */
const INTERACTION_CODES = new Set(['65001', '65004', '50076', '50079', '50158']);
/** AADSTS50105: the app requires user assignment and this user is not assigned; consenting cannot change that. */
const NOT_ASSIGNED = '50105';
/** AADSTS codes that mean the bot's own registration or credential is wrong: no user can fix these. */
const MISCONFIGURATION_CODES = new Set(['7000215', '7000222', '700016', '700027', '50012', '500011', '90002']);

/**
 * Turns an MSAL failure of the on-behalf-of exchange into the bot's error codes. Branches on Entra's error,
 * sub-error and AADSTS number, never on message text.
 */
export function toSignInError(error: unknown): CodedError {
  // Coded already: the managed identity's client assertion, which MSAL asks for before it calls Entra ID.
  if (error instanceof CodedError) return error;
  if (!(error instanceof AuthError)) return new CodedError(ErrorCode.Internal, 'On-behalf-of exchange failed', { cause: error });
  const { errorCode, subError } = error;
  // Entra sends error_codes as JSON numbers although MSAL types them as strings.
  const errorNo = error instanceof ServerError || error instanceof InteractionRequiredAuthError ? error.errorNo : undefined;
  const aadsts = errorNo === undefined ? '' : String(errorNo);
  const details = { cause: error };
  if (aadsts === NOT_ASSIGNED) return new CodedError(ErrorCode.UserNotAssigned, 'The user is not assigned to the app in Entra ID', details);
  if (error instanceof InteractionRequiredAuthError || subError === 'consent_required' || INTERACTION_CODES.has(aadsts)) {
    return new CodedError(ErrorCode.ConsentRequired, 'Entra ID needs the user to consent or verify', details);
  }
  if (errorCode === 'invalid_client' || errorCode === 'unauthorized_client' || MISCONFIGURATION_CODES.has(aadsts)) {
    return new CodedError(ErrorCode.SignInMisconfigured, "Entra ID rejected the bot's app registration or credential", details);
  }
  // Any other invalid_grant: the user's token for the bot is expired, revoked or not for this app; sign in afresh.
  if (errorCode === 'invalid_grant') return new CodedError(ErrorCode.SignInRequired, "Entra ID rejected the user's token", details);
  return new CodedError(ErrorCode.SignInUnavailable, 'Entra ID could not be reached or failed', details);
}
