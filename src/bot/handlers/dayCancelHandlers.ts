import type { Storage } from 'botbuilder';
import type { AuditTrail } from '../../bookings/audit.js';
import type { Cancellations } from '../../bookings/cancellations.js';
import { DayCancellations } from '../../bookings/dayCancellation.js';
import { DayGrants } from '../../bookings/dayGrant.js';
import type { BookingsService } from '../../bookings/service.js';
import { Verb } from '../../cards/verbs.js';
import { dayTimingFor } from '../../config/durations.js';
import { MAILBOX_CONCURRENCY } from '../../graph/graphPacer.js';
import { StorageDayBatches } from '../../storage/storageDayBatches.js';
import { cancelDayProgress } from './cancelDayProgress.js';
import { confirmCancelDay } from './confirmCancelDay.js';
import { LatestStreams } from './dayProgressAnswer.js';
import { promptCancelDay } from './promptCancelDay.js';
import { retryCancelDay } from './retryCancelDay.js';

/** What the day's cancellation is built from, in the composition root (src/index.ts). */
export interface DayCancelDeps {
  bookings: BookingsService;
  cancellations: Cancellations;
  /** The bot's one Storage: day batches are kept beside the cancel ledger. */
  storage: Storage;
  audit: AuditTrail;
  clock: () => Date;
  turnTimeoutMs: number;
  /** The key the day prompts' grants are signed with (derived per deployment for this purpose). */
  dayGrantKey: Buffer;
  /** How long a grant holds (as a single Cancel's: cancelGrantMs). */
  grantMs: number;
  auditMessages: boolean;
  noted: (error: unknown, what: string) => void;
}

/** The handlers of a day's cancellation ("Cancel this day", "cancel today"): prompt, Confirm, Retry, Refresh. */
export function dayCancelHandlers(deps: DayCancelDeps) {
  const timing = dayTimingFor(deps.turnTimeoutMs);
  const days = new DayCancellations({
    cancellations: deps.cancellations,
    batches: new StorageDayBatches(deps.storage),
    audit: deps.audit,
    clock: deps.clock,
    leaseClock: Date.now,
    // At most what Bookings serves one app per mailbox; the instance's pacer shares those slots with everyone's calls.
    concurrency: MAILBOX_CONCURRENCY,
    auditMessages: deps.auditMessages,
    noted: deps.noted,
    ...timing,
  });
  const grants = new DayGrants(deps.dayGrantKey, deps.grantMs, () => deps.clock().getTime());
  const streams = new LatestStreams();
  return {
    [Verb.PromptCancelDay]: promptCancelDay(deps.bookings, grants, deps.clock),
    [Verb.ConfirmCancelDay]: confirmCancelDay(deps.bookings, days, grants, timing, streams),
    [Verb.RetryCancelDay]: retryCancelDay(days, timing, streams),
    [Verb.CancelDayProgress]: cancelDayProgress(days, timing, streams),
  };
}
