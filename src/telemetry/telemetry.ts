import type { TraceParent } from '../bookings/types.js';

/*
 * The telemetry port: what the bot tells telemetry, in its own words and nothing more. Every value it takes is one
 * the bot's logs would hold too (codes, hashes, routes with ids replaced by placeholders, Graph's and our request
 * ids), so an implementation cannot be handed a customer's name, an address, a message or a token: there is no field
 * for one. This file imports no SDK; src/index.ts alone decides whether the OpenTelemetry implementation
 * (otelTelemetry.ts, loaded by start.ts) or NO_TELEMETRY serves.
 */

/** How a turn ended: answered, asked to sign in, failed (with a code), or refused before it ran (too many at once). */
export type TurnOutcome = 'ok' | 'sign_in' | 'failed' | 'refused';

/** What a turn is, known when it begins. */
export interface TurnStart {
  /** message, invoke, conversationUpdate, or 'other' (the router passes only the types it routes). */
  activityType: string;
  /** An invoke's name, when it is one the bot routes ('other' otherwise). */
  invoke?: string;
  /** The channel's id (msteams, emulator, webchat…), as the logs write it. */
  channel?: string;
  /** The language the turn answers in (en-US, zh-CN). */
  locale: string;
  /** The activity's id, as the turn's log lines carry it (`turn`). */
  turnId?: string;
  /** The conversation's hash, as the log lines carry it (`conversation`). */
  conversation?: string;
  /** The user's hash (hashOf of their Entra object id): Application Insights' user_Id. */
  user?: string;
}

/** One turn's telemetry: its span (a row of `requests`), and what its calls' spans hang under. */
export interface TurnTrace extends TraceParent {
  /** What the turn's log lines carry with telemetry on: the trace id (operation_Id) and the user's hash. */
  readonly logFields: Readonly<{ trace: string; user?: string }>;
  /** The action the turn runs: a card verb from the bot's own list. */
  action(verb: string): void;
  /** How the turn ended; the last word wins. A failure names its error code (an ErrorCode). */
  outcome(outcome: TurnOutcome, errorCode?: string): void;
  /** The turn has answered: the span ends, the turn's metrics are recorded. Once; later calls do nothing. */
  end(): void;
}

/** The far services the bot calls over HTTP. */
export type HttpService = 'graph' | 'tokenService' | 'entra' | 'connector';

/** An HTTP call as its span names it: the route's template, never an id or a query string. */
export interface HttpCall {
  service: HttpService;
  method: string;
  /** scheme://host[:port] of the service, as configured (no path, no user data). */
  origin: string;
  /** The path with every id replaced by a :placeholder (see routes.ts), e.g. /v1.0/me. */
  route: string;
}

/** What became of an HTTP call. Strings here are codes and ids the services made, never text they wrote. */
export interface HttpCallEnd {
  /** The HTTP status, when there was an answer and the client lets us see it. */
  status?: number;
  /** Why it failed without a status (timeout, network, aborted), or the bot's error code for it. */
  error?: string;
  /** Graph's request-id. */
  requestId?: string;
  /** Our client-request-id (a UUID we made). */
  clientRequestId?: string;
  /** How often the call was sent again (Graph's retry handler). */
  retries?: number;
  /** The Retry-After (s) of the last throttled answer. */
  retryAfterSeconds?: number;
  /** Entra ID's AADSTS number, never its error_description. */
  entraError?: string;
  /** Whether a token came from a cache or an exchange (the on-behalf-of call). */
  tokenCache?: 'hit' | 'shared' | 'miss';
}

export interface CallSpan {
  end(result: HttpCallEnd): void;
}

/** A storage operation (Blob): what it did, on which account and container, with how many items; never a key. */
export interface StorageCall {
  operation: 'read' | 'write' | 'delete' | 'append';
  /** The account's host (account.blob.core.windows.net, or Azurite's 127.0.0.1:port). */
  host: string;
  container: string;
  items: number;
}

export interface StorageSpan {
  end(result: { error?: string; status?: number }): void;
}

/** One Graph answer that asked us to wait (429, or 503 with Retry-After). */
export interface GraphThrottle {
  route: string;
  status: number;
  retryAfterSeconds?: number;
  /** Whether the wait was taken inside the turn (the request was sent again) or answered to the user. */
  waited: boolean;
}

/** The token caches whose lookups are counted. */
export type TokenCache = 'obo' | 'membership';

/** Cancellation outcomes, as the audit trail words them. */
export type CancellationOutcome = 'cancelled' | 'repeated' | 'refused' | 'failed';

export interface Telemetry {
  /** Whether anything is sent: off, every call below costs nothing. */
  readonly enabled: boolean;
  /** A turn begins (one span: a `requests` row). */
  turn(start: TurnStart): TurnTrace;
  /** A call to a far service begins, as a child of the turn that makes it (a `dependencies` row). */
  httpCall(parent: TraceParent | undefined, call: HttpCall): CallSpan;
  /**
   * A storage operation. Storage is reached through botbuilder's Storage contract and the domain's ports, which carry
   * no turn: these spans stand on their own (an operation of their own in Application Insights).
   */
  storageCall(call: StorageCall): StorageSpan;
  /** Graph asked us to wait. */
  graphThrottled(throttle: GraphThrottle): void;
  /** A token cache was asked: answered from this instance (hit), from the shared storage (shared), or not (miss). */
  tokenCacheLookup(cache: TokenCache, result: 'hit' | 'shared' | 'miss'): void;
  /** A cancellation attempt ended (counted from the audit trail, which records each exactly once). */
  cancellation(outcome: CancellationOutcome, errorCode?: string): void;
  /** A scan of the tenant for a user's businesses ended: how long it ran, whether it read every business. */
  discovery(ms: number, result: 'complete' | 'stopped', refresh: boolean): void;
  /** A card that completes an answered one (a list finished in the background) was delivered, or failed. */
  completedLater(verb: string, outcome: 'delivered' | 'failed'): void;
  /** Sends what is buffered and stops. Rejects when the last export failed (the caller logs it). */
  shutdown(): Promise<void>;
}

const NO_SPAN: CallSpan & StorageSpan = { end: () => undefined };

const NO_TURN: TurnTrace = {
  traceId: '',
  logFields: { trace: '' },
  action: () => undefined,
  outcome: () => undefined,
  end: () => undefined,
};

/** Telemetry off (no APPLICATIONINSIGHTS_CONNECTION_STRING): nothing is made, nothing is loaded, nothing is sent. */
export const NO_TELEMETRY: Telemetry = {
  enabled: false,
  turn: () => NO_TURN,
  httpCall: () => NO_SPAN,
  storageCall: () => NO_SPAN,
  graphThrottled: () => undefined,
  tokenCacheLookup: () => undefined,
  cancellation: () => undefined,
  discovery: () => undefined,
  completedLater: () => undefined,
  shutdown: () => Promise.resolve(),
};
