import { randomUUID } from 'node:crypto';
import type { AuditTrail } from './audit.js';
import { losesPlace } from './businessContext.js';
import { restoreAppointment, storeAppointment } from './cancelLedger.js';
import type { Cancellations } from './cancellations.js';
import { countsOf, type DayBatchEntry, type DayBatchRecord, type DayBatchStore, type DayCounts, type DayItem, type DayOutcome, isSettled, mergedItems } from './dayBatch.js';
import { sleepUntil } from './deadline.js';
import { CodedError, ErrorCode, toCodedError } from './errors.js';
import { userKeyOf } from './staffDirectory.js';
import type { Acting, UpcomingAppointment } from './types.js';

/** What a day's cancellation works with; every instance's runs of one batch meet in `batches`, and each cancel in the ledger. */
export interface DayParts {
  /** The single cancel's protocol (ledger, grant, access rule, audit), run once per appointment. */
  cancellations: Pick<Cancellations, 'run'>;
  batches: DayBatchStore;
  audit: AuditTrail;
  clock: () => Date;
  /** Wall-clock time for leases, which every instance compares. */
  leaseClock: () => number;
  /** Cancels in flight per business (booking mailbox) at once: Bookings serves 4 per app and mailbox. */
  concurrency: number;
  /** The budget of each appointment's cancel (its Graph call, its ledger wait): a turn's, TURN_TIMEOUT_MS. */
  itemBudgetMs: number;
  /** How long a run counts as alive after it last saved (longer than a cancel's own claim). */
  leaseMs: number;
  /** How often a run saves its progress (and renews its lease). */
  saveEveryMs: number;
  /** How often a batch that another instance runs is read again by one following it. */
  pollMs: number;
  /** The longest Retry-After a run waits out for a throttled cancel before counting it failed. */
  maxThrottleWaitMs: number;
  /** Whether audit entries keep the message (AUDIT_MESSAGES). */
  auditMessages: boolean;
  /** A failure the run goes on past (a progress save, a bug in one cancel): logged. */
  noted: (error: unknown, what: string) => void;
}

/** What a Confirm asks: these granted appointments cancelled with this message, as batch `batchId`. */
export interface DayRequest {
  batchId: string;
  day: string;
  message: string;
  granted: readonly UpcomingAppointment[];
  /** When the prompt's grant was issued (epoch ms). */
  grantedAt: number;
}

/** One appointment of a batch, as the cards show it. */
export interface DayItemView {
  appointment: UpcomingAppointment;
  outcome: DayOutcome;
  errorCode?: ErrorCode;
  requestId?: string;
  retryAfterSeconds?: number;
}

/** A batch as it stands. */
export interface DayProgress {
  batchId: string;
  day: string;
  message: string;
  items: DayItemView[];
  counts: DayCounts;
  /** Every appointment has an outcome. */
  finished: boolean;
  /** Failed ones that "Retry the failed ones" may still cancel. */
  retryable: number;
}

/** Follows a batch, wherever it runs: in this process, or on another instance (read from storage, and taken over if that one stopped). */
export interface DayWatch {
  current(): DayProgress;
  /** The batch once finished, or as it stands at `by` (performance.now()). */
  settled(by: number): Promise<DayProgress>;
  /** The batch once it has changed since this watch last gave it, once finished, or at `by`. */
  changed(by: number): Promise<DayProgress>;
}

/** Failures a retry cannot mend: the appointment moved, Graph refused the request as it is, or cannot address it. */
const NOT_WORTH_RETRYING = new Set<ErrorCode | undefined>([ErrorCode.AppointmentMoved, ErrorCode.BadRequest, ErrorCode.NotAddressable]);
/** Failures a run waits out and tries again itself (the cancel was not sent, or another turn still holds it). */
const WAITED_OUT = new Set<ErrorCode | undefined>([ErrorCode.Throttled, ErrorCode.CancelInProgress]);
/** How often one appointment is tried again within a run after such a failure. */
const WAITED_OUT_TRIES = 3;

function isRetryable(item: DayItem): boolean {
  return item.outcome === 'failed' && !NOT_WORTH_RETRYING.has(item.errorCode);
}

/**
 * The use case "cancel these appointments of my day with one message": each chosen appointment goes through the
 * single cancel's run (cancellations.ts: the ledger's exactly-once, the grant, the access rule, one audit entry each),
 * at most `concurrency` at once per business, Retry-After waited out; the batch's progress is saved to shared storage
 * as it goes, so a double Confirm, a re-delivery, another instance or a restart joins it or takes the rest over, and
 * "Retry the failed ones" runs only those again. Each run of a batch ends with one audit entry of its counts.
 */
export class DayCancellations {
  /** Batches this process is running, by id: a second click here follows the same run. */
  private readonly running = new Map<string, DayRun>();

  constructor(private readonly parts: DayParts) {}

  /** Starts the batch, or joins it when it already exists (a double Confirm, a re-delivery, another instance). */
  async confirm(acting: Acting, request: DayRequest): Promise<DayWatch> {
    const local = this.running.get(request.batchId);
    if (local) return this.watchOf(acting, request.batchId, local.record, local);
    const runId = randomUUID();
    const record: DayBatchRecord = {
      user: userKeyOf(acting.user),
      day: request.day,
      message: request.message.trim(),
      grantedAt: request.grantedAt,
      createdAt: this.parts.clock().toISOString(),
      round: 0,
      items: request.granted.map((a) => ({ appointment: storeAppointment(a), outcome: 'pending', round: 0 })),
      lease: { runId, until: this.parts.leaseClock() + this.parts.leaseMs },
    };
    if (await this.parts.batches.write(request.batchId, record)) return this.watchOf(acting, request.batchId, record, this.started(acting, request.batchId, record, runId));
    return this.follow(acting, request.batchId);
  }

  /** A batch the user started, as it stands; one whose run stopped (its instance died) is taken over here. */
  async follow(acting: Acting, batchId: string): Promise<DayWatch> {
    const local = this.running.get(batchId);
    if (local) return this.watchOf(acting, batchId, local.record, local);
    const entry = await this.owned(acting, batchId);
    return this.watchOf(acting, batchId, entry.record, await this.takeOverIfStalled(acting, batchId, entry));
  }

  /** "Retry the failed ones": those (and any the batch never got to) run again; the rest are left as they are. */
  async retry(acting: Acting, batchId: string): Promise<DayWatch> {
    for (let tries = 0; tries < 3; tries++) {
      const local = this.running.get(batchId);
      // A run still saving its last outcomes is let finish first: the retry starts from what it saved.
      if (local && local.record.items.every(isSettled)) await local.ended;
      else if (local) return this.watchOf(acting, batchId, local.record, local);
      const entry = await this.owned(acting, batchId);
      const { record } = entry;
      if (this.leaseLive(record) || !record.items.some(isRetryable)) return this.follow(acting, batchId);
      const runId = randomUUID();
      const round = record.round + 1;
      const next: DayBatchRecord = {
        ...record,
        round,
        items: record.items.map((item) => (isRetryable(item) ? { appointment: item.appointment, outcome: 'pending', round } : item)),
        lease: { runId, until: this.parts.leaseClock() + this.parts.leaseMs },
      };
      if (await this.parts.batches.write(batchId, next, entry.version)) return this.watchOf(acting, batchId, next, this.started(acting, batchId, next, runId));
    }
    return this.follow(acting, batchId);
  }

  /** The run of a batch whose last run stopped without finishing (its lease ran out), now in this process; or none. */
  async takeOverIfStalled(acting: Acting, batchId: string, entry: DayBatchEntry): Promise<DayRun | undefined> {
    const local = this.running.get(batchId);
    if (local) return local;
    const { record } = entry;
    if (record.items.every(isSettled) || this.leaseLive(record)) return undefined;
    const runId = randomUUID();
    const next: DayBatchRecord = { ...record, lease: { runId, until: this.parts.leaseClock() + this.parts.leaseMs } };
    if (!(await this.parts.batches.write(batchId, next, entry.version))) return undefined;
    return this.started(acting, batchId, next, runId);
  }

  private leaseLive(record: DayBatchRecord): boolean {
    return record.lease !== undefined && record.lease.until > this.parts.leaseClock();
  }

  /** The stored batch, if it is this user's; another user's is refused, one not kept (any more) is unknown. */
  private async owned(acting: Acting, batchId: string): Promise<DayBatchEntry> {
    const entry = await this.parts.batches.get(batchId);
    if (!entry) throw new CodedError(ErrorCode.DayBatchUnknown, 'No such day batch (or no longer kept)');
    this.mustBeTheirs(acting, entry.record);
    return entry;
  }

  private mustBeTheirs(acting: Acting, record: DayBatchRecord): void {
    if (record.user !== userKeyOf(acting.user)) throw new CodedError(ErrorCode.Forbidden, "Another user's day batch");
  }

  private watchOf(acting: Acting, batchId: string, record: DayBatchRecord, run?: DayRun): DayWatch {
    this.mustBeTheirs(acting, run?.record ?? record);
    return new BatchWatch(this, this.parts, acting, batchId, record, run);
  }

  private started(acting: Acting, batchId: string, record: DayBatchRecord, runId: string): DayRun {
    const run = new DayRun(this.parts, acting, batchId, record, runId);
    this.running.set(batchId, run);
    run.start(() => {
      if (this.running.get(batchId) === run) this.running.delete(batchId);
    });
    return run;
  }
}

/** One run of a batch in this process: its pending appointments, lane by lane (one lane per business). */
export class DayRun {
  record: DayBatchRecord;
  done = false;
  /** Resolves once the run has saved its last outcomes (and written its audit entry). */
  ended: Promise<void> = Promise.resolve();
  /** Another run took the batch over (this one stalled past its lease): this one starts nothing more. */
  private lost = false;
  private saving: Promise<void> = Promise.resolve();
  private waiters: (() => void)[] = [];

  constructor(
    private readonly parts: DayParts,
    private readonly acting: Acting,
    readonly batchId: string,
    record: DayBatchRecord,
    readonly runId: string,
  ) {
    this.record = { ...record, items: [...record.items] };
  }

  start(ended: () => void): void {
    this.ended = this.work()
      .catch((error: unknown) => this.parts.noted(error, 'day batch run'))
      .finally(() => {
        this.done = true;
        ended();
        this.notify();
      })
      .catch((error: unknown) => this.parts.noted(error, 'end of a day batch run'));
  }

  /** Resolves at the next appointment settled, at the run's end, or at `by`. */
  nextChange(by: number): Promise<void> {
    if (this.done) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), sleepUntil(by)]);
  }

  private notify(): void {
    const woken = this.waiters;
    this.waiters = [];
    for (const wake of woken) wake();
  }

  private async work(): Promise<void> {
    const lanes = new Map<string, number[]>();
    this.record.items.forEach((item, i) => {
      if (item.outcome !== 'pending') return;
      const business = item.appointment.businessId.toLowerCase();
      lanes.set(business, [...(lanes.get(business) ?? []), i]);
    });
    const renewing = setInterval(() => void this.save(false), this.parts.saveEveryMs);
    renewing.unref();
    try {
      await Promise.all([...lanes.values()].map((lane) => this.runLane(lane)));
    } finally {
      clearInterval(renewing);
    }
    if (this.lost) return void (await this.save(false));
    await this.save(true);
    if (this.record.items.every(isSettled)) await this.auditBatch();
  }

  /** One business's appointments, at most `concurrency` at once; a throttled lane waits out its Retry-After. */
  private async runLane(lane: number[]): Promise<void> {
    const queue = [...lane];
    const tries = new Map<number, number>();
    let notBefore = 0;
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined && !this.lost; i = queue.shift()) {
        if (notBefore > performance.now()) await sleepUntil(notBefore);
        const settled = await this.cancelOne(i);
        const tried = (tries.get(i) ?? 0) + 1;
        const waitMs = (settled.retryAfterSeconds ?? 1) * 1_000;
        if (settled.outcome === 'failed' && WAITED_OUT.has(settled.errorCode) && tried < WAITED_OUT_TRIES && waitMs <= this.parts.maxThrottleWaitMs) {
          tries.set(i, tried);
          notBefore = Math.max(notBefore, performance.now() + waitMs);
          queue.push(i);
          continue;
        }
        this.settle(i, settled);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parts.concurrency, queue.length) }, worker));
  }

  /** One appointment through the single cancel's run, with a budget of its own; its outcome as the summary counts it. */
  private async cancelOne(i: number): Promise<Omit<DayItem, 'appointment' | 'round'>> {
    const appointment = restoreAppointment(this.record.items[i]!.appointment);
    // A retry or a takeover may come hours after the prompt: an appointment that has begun is not cancelled then.
    if (appointment.start.getTime() <= this.parts.clock().getTime()) return { outcome: 'refused', errorCode: ErrorCode.AppointmentStarted };
    const acting = { ...this.acting, deadline: performance.now() + this.parts.itemBudgetMs };
    const { message, grantedAt } = this.record;
    try {
      const result = await this.parts.cancellations.run({ acting, businessId: appointment.businessId, appointmentId: appointment.id, message, granted: appointment, grantedAt, batchId: this.batchId });
      if (result.kind === 'confirmAgain') return { outcome: 'failed', errorCode: ErrorCode.AppointmentMoved };
      // Cancelled before this batch by another cancel (with its own message): gone already, and nothing sent now.
      return { outcome: result.outcome.cancellationMessage.trim() === message ? 'cancelled' : 'alreadyGone' };
    } catch (error) {
      const coded = toCodedError(error);
      if (coded.code === ErrorCode.NotFound) return { outcome: 'alreadyGone' };
      if (losesPlace(coded)) return { outcome: 'refused', errorCode: coded.code, requestId: coded.requestId };
      // Its one log line (the batch goes on; the summary and the audit trail say it failed).
      this.parts.noted(error, 'one cancel of a day batch');
      return { outcome: 'failed', errorCode: coded.code, requestId: coded.requestId, retryAfterSeconds: coded.retryAfterSeconds };
    }
  }

  private settle(i: number, settled: Omit<DayItem, 'appointment' | 'round'>): void {
    const { appointment, round } = this.record.items[i]!;
    this.record.items[i] = { appointment, round, ...withoutUndefined(settled) };
    this.notify();
  }

  /**
   * Saves the batch as this run sees it, merged with what storage holds (another run's outcomes are kept), renewing
   * this run's lease, or (`final`) giving it up. One save at a time; a failed save is noted and the run goes on: each
   * appointment's exactly-once is the ledger's, and progress is saved again a moment later.
   */
  private save(final: boolean): Promise<void> {
    this.saving = this.saving.then(() => this.saveOnce(final)).catch((error: unknown) => this.parts.noted(error, 'progress of a day batch'));
    return this.saving;
  }

  private async saveOnce(final: boolean): Promise<void> {
    const { batches, leaseClock, leaseMs } = this.parts;
    for (let attempt = 0; attempt < 4; attempt++) {
      const stored = await batches.get(this.batchId);
      const theirs = stored?.record.lease;
      if (theirs && theirs.runId !== this.runId && theirs.until > leaseClock()) this.lost = true;
      const items = stored ? mergedItems(stored.record.items, this.record.items) : [...this.record.items];
      const lease = this.lost ? theirs : final ? undefined : { runId: this.runId, until: leaseClock() + leaseMs };
      const finishedRound = final && items.every(isSettled) ? this.record.round : (stored?.record.finishedRound ?? this.record.finishedRound);
      const next: DayBatchRecord = { ...this.record, items, lease, finishedRound };
      if (lease === undefined) delete next.lease;
      if (finishedRound === undefined) delete next.finishedRound;
      if (await batches.write(this.batchId, next, stored?.version)) {
        // Outcomes settled while the write was under way are kept: they are newer than what was written.
        this.record = { ...next, items: mergedItems(items, this.record.items) };
        return;
      }
    }
    throw new CodedError(ErrorCode.StorageUnavailable, 'A day batch kept changing while its progress was saved');
  }

  /** One entry for the run of the batch, with its counts (each appointment has its own entries too). */
  private async auditBatch(): Promise<void> {
    const { user } = this.acting;
    const counts = countsOf(this.record.items);
    await this.parts.audit.record({
      at: this.parts.clock().toISOString(),
      attemptId: `${this.batchId}#${this.record.round}`,
      outcome: 'batch',
      userObjectId: user.aadObjectId,
      tenantId: user.tenantId,
      businessId: '',
      appointmentId: '',
      batchId: this.batchId,
      batch: { day: this.record.day, round: this.record.round, total: counts.total, cancelled: counts.cancelled, alreadyGone: counts.alreadyGone, refused: counts.refused, failed: counts.failed },
      ...(this.parts.auditMessages ? { cancellationMessage: this.record.message } : {}),
    });
  }
}

/** A watch on a batch: the run in this process when there is one, else the stored batch, read every pollMs. */
class BatchWatch implements DayWatch {
  private lastKey?: string;

  constructor(
    private readonly days: DayCancellations,
    private readonly parts: DayParts,
    private readonly acting: Acting,
    private readonly batchId: string,
    private record: DayBatchRecord,
    private run?: DayRun,
  ) {}

  current(): DayProgress {
    return progressOf(this.batchId, this.run?.record ?? this.record);
  }

  settled(by: number): Promise<DayProgress> {
    return this.until(by, (p) => p.finished);
  }

  changed(by: number): Promise<DayProgress> {
    return this.until(by, (p) => p.finished || keyOf(p) !== this.lastKey);
  }

  private async until(by: number, enough: (p: DayProgress) => boolean): Promise<DayProgress> {
    for (;;) {
      const now = this.current();
      if (enough(now) || performance.now() >= by) {
        this.lastKey = keyOf(now);
        return now;
      }
      if (this.run?.done) {
        // A run that ended unfinished lost the batch to another run: follow that one through storage.
        this.record = this.run.record;
        this.run = undefined;
      }
      if (this.run) await this.run.nextChange(by);
      else await this.poll(by);
    }
  }

  private async poll(by: number): Promise<void> {
    await sleepUntil(Math.min(by, performance.now() + this.parts.pollMs));
    try {
      const entry = await this.parts.batches.get(this.batchId);
      if (!entry) return;
      this.record = entry.record;
      this.run = await this.days.takeOverIfStalled(this.acting, this.batchId, entry);
    } catch (error) {
      this.parts.noted(error, 'reading a day batch another instance runs');
    }
  }
}

function progressOf(batchId: string, record: DayBatchRecord): DayProgress {
  const items = record.items.map((item) => ({ ...item, appointment: restoreAppointment(item.appointment) }));
  return {
    batchId,
    day: record.day,
    message: record.message,
    items,
    counts: countsOf(record.items),
    finished: record.items.every(isSettled),
    retryable: record.items.filter(isRetryable).length,
  };
}

/** What changes as a batch goes on: each appointment's outcome. */
function keyOf(progress: DayProgress): string {
  return progress.items.map((i) => i.outcome).join(',');
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
