/**
 * Every failure the user can meet has one code. The bot maps codes to text and invoke status in one place
 * (src/bot/errorPolicy.ts); nothing branches on an error's message.
 */
export enum ErrorCode {
  /** The appointment (or business) does not exist any more: cancelled elsewhere, or a stale card. */
  NotFound = 'notFound',
  /**
   * Graph will not show this business to the user (404 ErrorFolderNotFound): they are not, or no longer, its staff.
   * Graph's 403 for a business read means the same; both leave the user's remembered businesses to be read again.
   */
  NotStaffOfBusiness = 'notStaffOfBusiness',
  /** The user's Bookings role does not allow this (e.g. a viewer cancelling). */
  Forbidden = 'forbidden',
  /** Graph rejected the user's token. */
  Unauthorized = 'unauthorized',
  /** No token can be had for this user until they sign in. */
  SignInRequired = 'signInRequired',
  /** The user is signed in, but Entra ID wants consent for the Graph permissions (or MFA) before issuing a token. */
  ConsentRequired = 'consentRequired',
  /** The user is not assigned to the bot's app in Entra ID (AADSTS50105): only an administrator can give them access. */
  UserNotAssigned = 'userNotAssigned',
  /** Sign-in cannot work as set up (the bot's app credential, app id URI or OAuth connection): only an admin can fix it. */
  SignInMisconfigured = 'signInMisconfigured',
  /** Graph throttled us and the wait it asked for is longer than we may wait inside a turn. */
  Throttled = 'throttled',
  /** Graph or the network failed (5xx, connection refused). */
  Unavailable = 'unavailable',
  /** The sign-in services (Entra ID, the Bot Framework Token Service) failed or could not be reached: nothing was sent to Graph. */
  SignInUnavailable = 'signInUnavailable',
  /** Graph did not answer within the configured time. */
  Timeout = 'timeout',
  /** Graph refused the request as malformed. */
  BadRequest = 'badRequest',
  /** The user submitted an empty cancellation message. */
  MessageRequired = 'messageRequired',
  /** The user's cancellation message is longer than allowed. */
  MessageTooLong = 'messageTooLong',
  /** A card action arrived with data we did not put there (forged, truncated or from an old card version). */
  InvalidAction = 'invalidAction',
  /** The bot's shared storage cannot be reached: nothing that needs it (a cancel) is attempted. */
  StorageUnavailable = 'storageUnavailable',
  /** Graph cannot address this appointment by its id (the id holds a "/"): it can only be opened in Bookings itself. */
  NotAddressable = 'notAddressable',
  /** Another turn (a double click, another instance) is cancelling this appointment right now. */
  CancelInProgress = 'cancelInProgress',
  /** An appointment of a day's cancellation was moved after its prompt was drawn: it is not cancelled at a time the user never saw. */
  AppointmentMoved = 'appointmentMoved',
  /** An appointment of a day's cancellation had begun by the time its cancel would be sent (a retry or takeover hours later): not sent. */
  AppointmentStarted = 'appointmentStarted',
  /** A day's cancellation the bot no longer keeps (older than a day), or never had. */
  DayBatchUnknown = 'dayBatchUnknown',
  /** Anything we did not foresee. */
  Internal = 'internal',
}

export interface CodedErrorDetails {
  /** Graph's request-id, kept so support can trace a failure. */
  requestId?: string;
  /** Seconds Graph asked us to wait (429/503). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** A failure with one of the codes above, whoever raised it (Graph, Entra ID, the Token Service, storage, the domain). */
export class CodedError extends Error {
  override readonly name = 'CodedError';
  readonly requestId?: string;
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: CodedErrorDetails = {},
  ) {
    super(message, { cause: details.cause });
    this.requestId = details.requestId;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

export function toCodedError(error: unknown): CodedError {
  if (error instanceof CodedError) return error;
  return new CodedError(ErrorCode.Internal, 'Unexpected failure', { cause: error });
}
