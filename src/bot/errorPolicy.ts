import { type CodedError, ErrorCode, toCodedError } from '../bookings/errors.js';
import { MAX_CANCELLATION_MESSAGE_LENGTH } from '../bookings/cancellationMessage.js';
import { type Locale, type StringKey, t } from '../cards/i18n.js';

export interface ErrorTreatment {
  /** The user-facing text. */
  textKey: StringKey;
  /** Whether "Try again" may help (the same request could succeed later). */
  retryable: boolean;
  /** Status for an adaptiveCard/action invoke: 200 answers with a card, anything else with an error body. */
  invokeStatus: 200 | 400;
  /** Answer with a sign-in prompt instead of an error card (Teams may do it silently by SSO). */
  asksSignIn?: true;
  /** The card carries the consent links: the user's own consent, and the one an administrator grants for everyone. */
  consentLinks?: true;
}

/** The one place where error codes meet user text and invoke status. */
const POLICY: Record<ErrorCode, ErrorTreatment> = {
  [ErrorCode.NotFound]: { textKey: 'errors.notFound', retryable: false, invokeStatus: 200 },
  [ErrorCode.Forbidden]: { textKey: 'errors.forbidden', retryable: false, invokeStatus: 200 },
  [ErrorCode.NotStaffOfBusiness]: { textKey: 'errors.notStaffOfBusiness', retryable: false, invokeStatus: 200 },
  // Graph refused the user's token (revoked, or expired early): it is dropped, and a sign-in (silent in Teams) gets a new one.
  [ErrorCode.Unauthorized]: { textKey: 'errors.unauthorized', retryable: false, invokeStatus: 200, asksSignIn: true },
  [ErrorCode.UserNotAssigned]: { textKey: 'errors.userNotAssigned', retryable: false, invokeStatus: 200 },
  [ErrorCode.SignInRequired]: { textKey: 'errors.signInRequired', retryable: false, invokeStatus: 200, asksSignIn: true },
  // Not a sign-in card: the Token Service's sign-in asks only for the connection's scopes and never grants Graph's.
  [ErrorCode.ConsentRequired]: { textKey: 'errors.consentRequired', retryable: true, invokeStatus: 200, consentLinks: true },
  [ErrorCode.SignInMisconfigured]: { textKey: 'errors.signInMisconfigured', retryable: false, invokeStatus: 200 },
  [ErrorCode.Throttled]: { textKey: 'errors.throttled', retryable: true, invokeStatus: 200 },
  [ErrorCode.Unavailable]: { textKey: 'errors.unavailable', retryable: true, invokeStatus: 200 },
  [ErrorCode.SignInUnavailable]: { textKey: 'errors.signInUnavailable', retryable: true, invokeStatus: 200 },
  [ErrorCode.Timeout]: { textKey: 'errors.timeout', retryable: true, invokeStatus: 200 },
  [ErrorCode.BadRequest]: { textKey: 'errors.badRequest', retryable: false, invokeStatus: 200 },
  [ErrorCode.MessageRequired]: { textKey: 'errors.messageRequired', retryable: true, invokeStatus: 200 },
  [ErrorCode.MessageTooLong]: { textKey: 'errors.messageTooLong', retryable: true, invokeStatus: 200 },
  [ErrorCode.InvalidAction]: { textKey: 'errors.invalidAction', retryable: false, invokeStatus: 400 },
  [ErrorCode.StorageUnavailable]: { textKey: 'errors.storageUnavailable', retryable: true, invokeStatus: 200 },
  [ErrorCode.NotAddressable]: { textKey: 'errors.notAddressable', retryable: false, invokeStatus: 200 },
  [ErrorCode.CancelInProgress]: { textKey: 'errors.cancelInProgress', retryable: true, invokeStatus: 200 },
  [ErrorCode.Internal]: { textKey: 'errors.internal', retryable: true, invokeStatus: 200 },
  [ErrorCode.AppointmentMoved]: { textKey: 'errors.appointmentMoved', retryable: false, invokeStatus: 200 },
  [ErrorCode.AppointmentStarted]: { textKey: 'errors.appointmentStarted', retryable: false, invokeStatus: 200 },
  [ErrorCode.DayBatchUnknown]: { textKey: 'errors.dayBatchUnknown', retryable: false, invokeStatus: 200 },
};

export function treatmentOf(error: unknown): { error: CodedError; treatment: ErrorTreatment } {
  const coded = toCodedError(error);
  return { error: coded, treatment: POLICY[coded.code] };
}

/** The user's text for a failure: what went wrong, with the figures its text names (the wait, the message limit). */
export function errorText(error: CodedError, treatment: ErrorTreatment, locale: Locale): string {
  const seconds = error.retryAfterSeconds ?? 30;
  // "in 1 seconds" reads wrong; a second has its own sentence.
  const key = treatment.textKey === 'errors.throttled' && seconds <= 1 ? 'errors.throttledOneSecond' : treatment.textKey;
  return t(locale, key, { seconds, max: MAX_CANCELLATION_MESSAGE_LENGTH });
}

/**
 * The status of an invoke no route could answer (the failure came before the bot's turn, e.g. storage lost while
 * Teams' token exchange was being de-duplicated): 503 asks Teams to try again later, 500 says it would not help.
 */
export function unansweredInvokeStatus(treatment: ErrorTreatment): 503 | 500 {
  return treatment.retryable ? 503 : 500;
}

/**
 * What a user is told when Teams reports a single sign-on failure (signin/failure). Only resourcematchfailed has a
 * known cause the text can name (the app id URI); any other code is quoted for the administrator.
 */
export function signInFailureText(code: string, locale: Locale): string {
  return code === 'resourcematchfailed' ? t(locale, 'signIn.failure.resourcematchfailed') : t(locale, 'signIn.failure.other', { code });
}

/** The user's text for a coded failure, by its policy. */
export function failureText(error: CodedError, locale: Locale): string {
  return errorText(error, POLICY[error.code], locale);
}
