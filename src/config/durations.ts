/**
 * The durations the bot's domain and edge wait for or remember something: the fixed ones as constants, the ones that
 * follow a setting (TURN_TIMEOUT_MS, MEMBERSHIP_CACHE_SECONDS) as functions of it. Teams answers no invoke after 15 s;
 * everything a turn waits for fits in that.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** One storage operation, its retry included: storage is fast or down, and a turn cannot wait for more. */
export const STORAGE_CALL_MS = 3_000;
/** Cancel records outlive any retry or re-delivery by far; a day keeps storage small. */
export const CANCEL_RECORD_TTL_MS = DAY_MS;
/** A sign-in left unfinished longer than this is forgotten; the user asks again. */
export const PENDING_SIGN_IN_TTL_MS = 15 * MINUTE_MS;
/** A business choice not used for this long is forgotten (the list shows every business again). */
export const BUSINESS_CHOICE_TTL_MS = 90 * DAY_MS;
/** Items written without their own lifetime (botbuilder's token-exchange de-duplication marks) live this long. */
export const STORAGE_DEFAULT_TTL_MS = HOUR_MS;
/**
 * How long a sign-out is remembered beside the user's Graph token: far longer than any turn (and so any exchange it
 * keeps the result of) lasts. An exchange that ends later than this after its turn began keeps nothing.
 */
export const SIGN_OUT_REMEMBERED_MS = 10 * MINUTE_MS;
/** MSAL renews a cached token this long before it expires (msal-common DEFAULT_TOKEN_RENEWAL_OFFSET_SEC); so do we. */
export const TOKEN_RENEWAL_MARGIN_MS = 5 * MINUTE_MS;
/**
 * How long a Cancel prompt's Confirm holds without new reads (its signed grant); after that it asks to confirm again.
 * The grant is a role decision, so it lasts no longer than a remembered role (MEMBERSHIP_CACHE_SECONDS), but at
 * least a minute (time to write the message) and at most 15.
 */
export function cancelGrantMs(membershipCacheSeconds: number): number {
  return Math.min(15 * MINUTE_MS, Math.max(MINUTE_MS, membershipCacheMs(membershipCacheSeconds)));
}

export interface CancelTiming {
  /** How long a claimed cancel belongs to its turn: longer than that turn's Graph budget. */
  attemptLeaseMs: number;
  /** How long a confirm waits for another turn's cancel of the same appointment before saying it is in progress. */
  awaitOtherTurnMs: number;
  /** How often that wait looks at the ledger. */
  pollMs: number;
  /** How long a grant is trusted without reading the appointment again (GRANT_TRUSTED_MS). */
  grantTrustedMs: number;
}

/**
 * The cancel's timing for a turn budget (TURN_TIMEOUT_MS). A claimed cancel outlives its turn's Graph budget. A
 * second confirm waits for it at most 8 s, so that if it then has to cancel itself, the turn's deadline still ends it
 * within Teams' 15 s invoke limit.
 */
export function cancelTimingFor(turnTimeoutMs: number): CancelTiming {
  return { attemptLeaseMs: turnTimeoutMs + 1_000, awaitOtherTurnMs: Math.min(turnTimeoutMs, 8_000), pollMs: 200, grantTrustedMs: GRANT_TRUSTED_MS };
}

/**
 * A Cancel prompt's grant is trusted as it stands (Confirm is the POST alone) this long after the prompt was drawn;
 * then the appointment is read first, so a moved appointment is confirmed again at its new time.
 */
export const GRANT_TRUSTED_MS = 2 * MINUTE_MS;

/**
 * How old a user's businesses and roles may be before a list reads them again, in the background
 * (MEMBERSHIP_CACHE_SECONDS); 0: not remembered at all.
 */
export function membershipCacheMs(membershipCacheSeconds: number): number {
  return membershipCacheSeconds * 1_000;
}

/** How long what a scan found is kept unused: a user back from leave sees their businesses at once, refreshed behind. */
export const PLACES_KEPT_MS = 30 * DAY_MS;

/**
 * A scan of a large tenant (500 businesses, hundreds of ms per Graph request) can take longer than Teams waits for
 * an answer: a list waits this long for it (a quarter of the turn, at most 3 s), then answers with what was found.
 */
export function scanWaitMs(turnTimeoutMs: number): number {
  return Math.min(3_000, Math.round(turnTimeoutMs / 4));
}

/** The longest a scan goes on in the background (what it found by then is kept for the next list): five turns. */
export function scanBudgetMs(turnTimeoutMs: number): number {
  return 5 * turnTimeoutMs;
}

/** How often a scan writes its progress to shared storage, so another instance or attempt resumes it. */
export const SCAN_SAVE_EVERY_MS = 1_000;

/** Requests of scans (a batch counts once) one instance has in flight at once, all users together. */
export const GRAPH_REQUESTS_IN_FLIGHT = 64;

/** The longest a scan's lease is held (one with no budget, which JSON could not store as Infinity). */
export const SCAN_LEASE_MAX_MS = DAY_MS;
/** Back-off for a throttled or failed staff read that named no Retry-After: 1 s, doubling, at most 32 s. */
export function staffReadBackOffMs(tries: number): number {
  return 1_000 * 2 ** Math.min(tries, 5);
}

/** How long an idle connection to Graph is kept open for the next call. */
export const GRAPH_KEEP_ALIVE_MS = 30_000;
/** How often in-memory caches (users' Graph tokens, local storage) drop what has expired. */
export const SWEEP_EVERY_MS = 60_000;
/** How often audit entries a sink could not take are offered to it again. */
export const AUDIT_RETRY_EVERY_MS = 30_000;
/** At shutdown, how long turns still running may finish before their connections are closed. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** One call to local mode's sign-in service (on this machine: it answers at once or not at all). */
export const LOCAL_SIGN_IN_CALL_MS = 5_000;

/** A request's headers must arrive within this (Node's default is 60 s): nobody types them by hand. */
export const HEADERS_READ_MS = 10_000;
/** A request's body (at most 256 KiB) must arrive within this; a channel sends it at once. */
export const BODY_READ_MS = 10_000;

/** The waits of a day's cancellation ("cancel today"), for a turn budget (TURN_TIMEOUT_MS). */
export interface DayTiming {
  /** How long Confirm waits for the batch before answering with its progress (the rest follows in the card). */
  answerWaitMs: number;
  /** The budget of each appointment's cancel: a turn's. */
  itemBudgetMs: number;
  /** A run of a batch counts as alive this long after it last saved: as long as a cancel's own claim lasts. */
  leaseMs: number;
  /** How often a run saves its progress (and renews its lease). */
  saveEveryMs: number;
  /** How often a batch run by another instance is read again. */
  pollMs: number;
  /** At most one card update this often while a batch runs. */
  progressEveryMs: number;
  /** How long the card keeps being updated after the answer; a batch still running then shows Refresh. */
  followUpMs: number;
  /** The longest Retry-After waited out within a run before a throttled cancel counts as failed. */
  maxThrottleWaitMs: number;
}

/**
 * A Confirm answers within a quarter of the turn (at most 2.5 s: Teams shows the first progress within 3 s); each
 * appointment's cancel has a turn's budget; a stopped run is taken over once a cancel's claim would have lapsed too.
 */
export function dayTimingFor(turnTimeoutMs: number): DayTiming {
  return {
    answerWaitMs: Math.min(2_500, Math.round(turnTimeoutMs / 4)),
    itemBudgetMs: turnTimeoutMs,
    leaseMs: turnTimeoutMs + 1_000,
    saveEveryMs: 1_000,
    pollMs: 500,
    progressEveryMs: 1_000,
    followUpMs: 5 * turnTimeoutMs,
    maxThrottleWaitMs: 30_000,
  };
}
