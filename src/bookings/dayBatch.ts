import { createHash } from 'node:crypto';
import type { StoredAppointment } from './cancelLedger.js';
import type { ErrorCode } from './errors.js';

/**
 * A day's cancellation ("out sick"): the appointments the user chose on one day, each cancelled once through the
 * single cancel's protocol (cancellations.ts), with its progress kept in the bot's shared storage so that another
 * instance, a restart or a second click finds it and goes on from where it stands. This file holds what is kept;
 * dayCancellation.ts runs it.
 */

/** Where one appointment of a day's batch stands: still to do, or how it ended. */
export type DayOutcome = 'pending' | 'cancelled' | 'alreadyGone' | 'refused' | 'failed';

export interface DayItem {
  /** The appointment as the day's prompt showed it and granted it (the ledger's form: no contact details, no notes). */
  appointment: StoredAppointment;
  outcome: DayOutcome;
  /** The run of the batch it belongs to: 0 the first, one more for each "Retry the failed ones". */
  round: number;
  /** Why it failed (or was refused); what the summary says. */
  errorCode?: ErrorCode;
  /** Graph's request-id of the failing call, for support. */
  requestId?: string;
  /** The wait Graph asked for (a throttled cancel), for the reason's text. */
  retryAfterSeconds?: number;
}

/** One day's batch as the shared storage keeps it (under `cancel/day/<batch id>`, a day like the ledger). */
export interface DayBatchRecord {
  /** Whose batch it is (userKeyOf): only they may see it, follow it, or retry it. */
  user: string;
  /** The day, YYYY-MM-DD in the user's time zone when the prompt was drawn. */
  day: string;
  /** The one message every customer of the batch gets (trimmed). */
  message: string;
  /** When the prompt's grant was issued (epoch ms): an old grant has each appointment read before its POST. */
  grantedAt: number;
  createdAt: string;
  /** The current run: 0, then one more per retry. */
  round: number;
  items: DayItem[];
  /**
   * The run working on the batch and until when it counts as alive (epoch ms); it renews this as it saves. Past it,
   * any instance that looks at the batch (a refresh, a re-delivered confirm) takes the rest over.
   */
  lease?: { runId: string; until: number };
  /** The last round whose every item was settled (its batch audit entry has been written). */
  finishedRound?: number;
}

/** A record and the version it was read at, for a conditional write. */
export interface DayBatchEntry {
  record: DayBatchRecord;
  version: string;
}

/** Where day batches are kept, shared by every instance (storage/storageDayBatches.ts). */
export interface DayBatchStore {
  get(batchId: string): Promise<DayBatchEntry | undefined>;
  /**
   * Writes the record if the key is free (no version) or still at `version`: true for the writer that wins, false for
   * one that lost the race (it reads again).
   */
  write(batchId: string, record: DayBatchRecord, version?: string): Promise<boolean>;
}

export interface DayCounts {
  total: number;
  pending: number;
  cancelled: number;
  alreadyGone: number;
  refused: number;
  failed: number;
}

export function countsOf(items: readonly DayItem[]): DayCounts {
  const counts: DayCounts = { total: items.length, pending: 0, cancelled: 0, alreadyGone: 0, refused: 0, failed: 0 };
  for (const item of items) counts[item.outcome]++;
  return counts;
}

export function isSettled(item: DayItem): boolean {
  return item.outcome !== 'pending';
}

/**
 * The batch's id: the user, the prompt it came from (its grant's nonce) and the day. Every Confirm of one prompt (a
 * double click, Teams re-delivering it, the same click on another instance, or another choice of boxes on the same
 * card) names the same batch and joins it, so one card starts at most one batch; another prompt (a new card) starts
 * another, whose appointments the ledger still cancels once.
 */
export function batchIdOf(userKey: string, nonce: string, day: string): string {
  return createHash('sha256').update(`day batch v2|${userKey}|${nonce}|${day}`).digest('base64url').slice(0, 32);
}

/** What a batch id looks like (checked before it reaches storage). */
export const BATCH_ID = /^[A-Za-z0-9_-]{32}$/;

/** A settled outcome's weight when two runs settled one item differently (a takeover race): the more final wins. */
const RANK: Record<DayOutcome, number> = { pending: 0, failed: 1, refused: 2, alreadyGone: 3, cancelled: 4 };

/**
 * Two views of one batch made one (a run saving over what another run saved): per item, a later round wins, then a
 * settled outcome over a pending one, then the more final outcome. Outcomes only move forward, so saving in any
 * order loses none.
 */
export function mergedItems(stored: readonly DayItem[], mine: readonly DayItem[]): DayItem[] {
  return mine.map((item, i) => {
    const other = stored[i];
    if (!other || other.appointment.id !== item.appointment.id) return item;
    if (other.round !== item.round) return other.round > item.round ? other : item;
    return RANK[other.outcome] > RANK[item.outcome] ? other : item;
  });
}
