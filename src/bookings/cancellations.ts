import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEntry, AuditTrail } from './audit.js';
import { authorized, type BusinessContext, contextOf, forgettingRefusal, losesPlace } from './businessContext.js';
import { type CancelLedger, type CancelRecord, type LedgerEntry, restoreAppointment, storeAppointment } from './cancelLedger.js';
import { validCancellationMessage } from './cancellationMessage.js';
import { byDeadline, msUntil } from './deadline.js';
import { CodedError, ErrorCode, toCodedError } from './errors.js';
import type { BookingsGateway } from './gateway.js';
import type { StaffDirectory } from './staffDirectory.js';
import type { Acting, CancelOutcome, UpcomingAppointment } from './types.js';

/** What a cancel run works with; every instance's runs meet in the ledger. */
export interface CancelParts {
  gateway: BookingsGateway;
  directory: StaffDirectory;
  ledger: CancelLedger;
  audit: AuditTrail;
  clock: () => Date;
  /** Wall-clock time for leases, which every instance compares (the clock above may be a test's fixed "now"). */
  leaseClock: () => number;
  /** How long a claimed cancel belongs to its turn: longer than that turn's Graph budget (TURN_TIMEOUT_MS). */
  attemptLeaseMs: number;
  /** How long a confirm waits for another turn's cancel of the same appointment before saying it is in progress. */
  awaitOtherTurnMs: number;
  /** How often that wait looks at the ledger. */
  pollMs: number;
  /** Whether audit entries keep the cancellation message (AUDIT_MESSAGES). */
  auditMessages: boolean;
  /**
   * How long a grant is trusted as it stands: an older one has the appointment read again before the POST, and a
   * changed time asks to confirm again (the cancelled card must not name a time Graph no longer has).
   */
  grantTrustedMs: number;
  /** A failure the run goes on past (best-effort storage writes): logged, the user hears the cancel's own outcome. */
  noted: (error: unknown, what: string) => void;
}

export interface CancelRequest {
  acting: Acting;
  businessId: string;
  appointmentId: string;
  message: string;
  /**
   * The appointment as the user's Cancel prompt showed it, with the access rule's decision signed into that prompt
   * (cancelGrant.ts): the run trusts it instead of reading the appointment and the user's place again. Without it
   * the run sends nothing: it answers from the ledger, or reads and checks the appointment for the user to confirm again.
   */
  granted?: UpcomingAppointment;
  /** When the grant was issued (epoch ms); see CancelParts.grantTrustedMs. Absent: as fresh as it gets. */
  grantedAt?: number;
  /** The day's batch this cancel is one of (dayCancellation.ts): its audit entries name it. */
  batchId?: string;
}

/** How a confirm ends: cancelled (now, or earlier by a turn the ledger recorded), or to be confirmed again on a fresh prompt. */
export type CancelResult = { kind: 'cancelled'; outcome: CancelOutcome } | { kind: 'confirmAgain'; appointment: UpcomingAppointment };

/**
 * Where a cancel run is. `seen` is an earlier attempt whose turn stopped without an outcome (its lease ran out): its
 * POST may have landed, so a 404 from Graph then means "cancelled", not "gone".
 */
export type CancelState =
  | { at: 'readLedger' }
  | { at: 'joinRecorded'; entry: LedgerEntry }
  | { at: 'fetch'; seen?: LedgerEntry }
  | { at: 'claim'; seen?: LedgerEntry; appointment: UpcomingAppointment }
  | { at: 'post'; seen?: LedgerEntry; attempt: CancelRecord }
  | { at: 'takeOver'; earlier: LedgerEntry }
  | { at: 'awaitOtherTurn' }
  | { at: 'recordCancelled'; attempt: CancelRecord; recovered: boolean }
  | { at: 'repeated'; record: CancelRecord }
  | { at: 'done'; result: CancelResult };

type Transition<S extends CancelState['at']> = (run: CancelRun, state: Extract<CancelState, { at: S }>) => Promise<CancelState>;

/** Failures after which we cannot know whether Graph cancelled (no answer, or a server fault mid-way). */
const OUTCOME_UNKNOWN = new Set([ErrorCode.Timeout, ErrorCode.Unavailable, ErrorCode.Internal]);

/** Every state's one transition: the whole protocol of "cancel once, across instances and restarts", in one table. */
const TRANSITIONS: { [S in Exclude<CancelState['at'], 'done'>]: Transition<S> } = {
  /**
   * A cancel done, or one under way whose turn may still answer, is joined; otherwise this turn tries: straight to the
   * claim with a granted appointment, else after reading it. An earlier attempt without an outcome is always read
   * again (only Graph's 404 can tell whether it landed).
   */
  async readLedger(run) {
    const seen = await run.stored(run.parts.ledger.get(run.key));
    if (seen && (seen.record.state === 'cancelled' || seen.record.leaseUntil > run.parts.leaseClock())) return { at: 'joinRecorded', entry: seen };
    const { granted, grantedAt } = run.request;
    const trusted = grantedAt === undefined || run.parts.clock().getTime() - grantedAt < run.parts.grantTrustedMs;
    return granted && trusted && !seen ? { at: 'claim', appointment: granted } : { at: 'fetch', seen };
  },

  /** Another turn's cancel is answered only to a user who could have made it themselves. */
  async joinRecorded(run, { entry }) {
    await run.authorizeRecorded(entry.record);
    return entry.record.state === 'cancelled' ? { at: 'repeated', record: entry.record } : { at: 'awaitOtherTurn' };
  },

  /** Fetched first: the outcome card shows what was cancelled, and a stale card or the access rule fails here. */
  async fetch(run, { seen }) {
    const { acting, businessId, appointmentId } = run.request;
    try {
      const [context, fetched] = await Promise.all([run.context(), forgettingRefusal(run.parts.directory, acting, businessId, run.parts.gateway.getAppointment(acting, businessId, appointmentId))]);
      const appointment = authorized(context, fetched, 'cancel');
      const { granted } = run.request;
      // Moved since the prompt was drawn: the user confirms the appointment as it is now.
      const asGranted = granted && granted.start.getTime() === appointment.start.getTime() && granted.end.getTime() === appointment.end.getTime();
      return asGranted ? { at: 'claim', seen, appointment } : { at: 'done', result: { kind: 'confirmAgain', appointment } };
    } catch (error) {
      if (!isNotFound(error)) throw error;
      if (seen) {
        await run.authorizeRecorded(seen.record);
        return { at: 'takeOver', earlier: seen };
      }
      // Another turn's cancel may have landed between our read of the ledger and the GET.
      const landed = await run.stored(run.parts.ledger.get(run.key));
      if (landed) return { at: 'joinRecorded', entry: landed };
      throw error;
    }
  },

  /** The one conditional write that lets a single turn through, on every instance. */
  async claim(run, { seen, appointment }) {
    const attempt: CancelRecord = {
      state: 'attempted',
      attemptId: run.attemptId,
      leaseUntil: run.parts.leaseClock() + run.parts.attemptLeaseMs,
      cancellationMessage: run.message,
      at: run.parts.clock().toISOString(),
      appointment: storeAppointment(appointment),
    };
    const claimed = await run.stored(run.parts.ledger.claim(run.key, attempt, seen?.version));
    return claimed ? { at: 'post', seen, attempt } : { at: 'awaitOtherTurn' };
  },

  async post(run, { seen, attempt }) {
    const { acting, businessId, appointmentId } = run.request;
    try {
      const sent = await forgettingRefusal(run.parts.directory, acting, businessId, run.parts.gateway.cancelAppointment(acting, businessId, appointmentId, run.message));
      run.graphRequestId = sent.requestId;
      return { at: 'recordCancelled', attempt, recovered: false };
    } catch (error) {
      if (seen && isNotFound(error)) return { at: 'recordCancelled', attempt: seen.record, recovered: true };
      // Outcome unknown: keep the attempt (released) so a retry that meets 404 knows it landed; otherwise forget it.
      // Best effort: the user must hear Graph's answer, and a claim left behind only delays a retry by its lease.
      const { ledger } = run.parts;
      const release = error instanceof CodedError && OUTCOME_UNKNOWN.has(error.code) ? ledger.put(run.key, { ...attempt, leaseUntil: 0 }) : ledger.delete(run.key);
      await run.stored(release).catch((releaseError: unknown) => run.parts.noted(releaseError, 'release of a cancel claim after a failed POST'));
      throw error;
    }
  },

  /** An earlier attempt's cancel landed (Graph now says 404): one turn takes the record over and records it. */
  async takeOver(run, { earlier }) {
    const takeover = { ...earlier.record, leaseUntil: run.parts.leaseClock() + run.parts.attemptLeaseMs };
    const claimed = await run.stored(run.parts.ledger.claim(run.key, takeover, earlier.version));
    return claimed ? { at: 'recordCancelled', attempt: takeover, recovered: true } : { at: 'awaitOtherTurn' };
  },

  /**
   * Another turn holds the attempt: wait for its outcome while its lease lasts. If it gave up (or its process
   * stopped), try once more ourselves; the ledger still lets only one turn through.
   */
  async awaitOtherTurn(run) {
    const giveUpAt = Math.min(performance.now() + run.parts.awaitOtherTurnMs, run.deadline);
    while (performance.now() < giveUpAt) {
      await sleep(Math.min(run.parts.pollMs, msUntil(giveUpAt)));
      const entry = await run.stored(run.parts.ledger.get(run.key));
      if (entry) await run.authorizeRecorded(entry.record);
      if (entry?.record.state === 'cancelled') return { at: 'repeated', record: entry.record };
      if (!entry || entry.record.leaseUntil <= run.parts.leaseClock()) {
        if (run.retried) break;
        run.retried = true;
        return { at: 'readLedger' };
      }
    }
    throw new CodedError(ErrorCode.CancelInProgress, 'Another turn is still cancelling this appointment');
  },

  /** Audit first, then the ledger: a crash in between leaves a duplicate entry (same attemptId), never a gap. */
  async recordCancelled(run, { attempt, recovered }) {
    const note: AuditNote = { attemptId: attempt.attemptId, outcome: 'cancelled', graphRequestId: run.graphRequestId, ...(recovered ? { recovered } : {}) };
    await run.audited(note, attempt.cancellationMessage);
    const cancelled: CancelRecord = { ...attempt, state: 'cancelled', at: run.parts.clock().toISOString() };
    // The appointment is cancelled whatever happens here: if storage fails now, the claim stays "attempted" and a
    // retry settles it through Graph's 404 (same attemptId), so the user still gets the truth.
    await run.stored(run.parts.ledger.put(run.key, cancelled)).catch((error: unknown) => run.parts.noted(error, 'ledger record of a landed cancel'));
    return { at: 'done', result: { kind: 'cancelled', outcome: outcomeOf(cancelled) } };
  },

  async repeated(run, { record }) {
    await run.audited({ attemptId: record.attemptId, outcome: 'repeated' });
    return { at: 'done', result: { kind: 'cancelled', outcome: outcomeOf(record) } };
  },
};

/**
 * The use case "cancel this appointment with this message", once across instances and restarts: each confirm is a
 * CancelRun through the ledger's protocol below. Every attempt is audited. Waiting for another turn's cancel ends by
 * the user's turn deadline at the latest, whatever the reads before it took.
 */
export class Cancellations {
  constructor(private readonly parts: CancelParts) {}

  /**
   * @param granted the appointment as the user's Cancel prompt granted it (see CancelRequest.granted); without it the
   * appointment is read and checked against the access rule first.
   * @param grantedAt when that grant was issued (epoch ms): an old one has the appointment read first.
   */
  cancel(acting: Acting, businessId: string, appointmentId: string, message: string, granted?: UpcomingAppointment, grantedAt?: number): Promise<CancelResult> {
    // Concurrent confirms (a double click, a re-delivery, another instance) meet in the ledger: one claims, the others wait for its outcome.
    return new CancelRun(this.parts, { acting, businessId, appointmentId, message, granted, grantedAt }).outcome();
  }

  /** The same cancel, asked for as a whole request (a day's batch runs each of its appointments through this). */
  run(request: CancelRequest): Promise<CancelResult> {
    return new CancelRun(this.parts, request).outcome();
  }
}

type AuditNote = Omit<AuditEntry, 'at' | 'userObjectId' | 'tenantId' | 'businessId' | 'appointmentId' | 'cancellationMessage' | 'batchId' | 'batch'>;

/** One confirm's cancel: the states it went through, and what every transition needs to know of the request. */
export class CancelRun {
  readonly attemptId = randomUUID();
  readonly key: string;
  /** The message as it is sent: trimmed (the run checks first that it can be sent). */
  readonly message: string;
  graphRequestId?: string;
  /** Whether the run has already tried again after another turn gave up its claim (it does so once). */
  retried = false;
  private place?: Promise<BusinessContext>;

  constructor(
    readonly parts: CancelParts,
    readonly request: CancelRequest,
  ) {
    this.key = ledgerKey(request.businessId, request.appointmentId);
    this.message = request.message.trim();
  }

  /** Runs from the start to the outcome; a failure is audited (as refused when Graph refused the user) and thrown. */
  async outcome(): Promise<CancelResult> {
    let state: CancelState = { at: 'readLedger' };
    try {
      validCancellationMessage(this.request.message);
      while (state.at !== 'done') state = await this.step(state);
      return state.result;
    } catch (error) {
      const coded = toCodedError(error);
      await this.audited({ attemptId: this.attemptId, outcome: losesPlace(coded) ? 'refused' : 'failed', errorCode: coded.code, graphRequestId: coded.requestId });
      throw error;
    }
  }

  /** One transition from `state`. */
  step(state: Exclude<CancelState, { at: 'done' }>): Promise<CancelState> {
    return (TRANSITIONS[state.at] as Transition<typeof state.at>)(this, state);
  }

  /** By when the run must end: the deadline of the turn acting for the user. */
  get deadline(): number {
    return this.request.acting.deadline ?? Infinity;
  }

  /** The user's place in the business, read once per run, whichever transition needs it first. */
  context(): Promise<BusinessContext> {
    if (!this.place) {
      this.place = contextOf(this.parts.directory, this.request.acting, this.request.businessId);
      // Awaited by whichever transition needs it, which hears its failure; one met while none waits is not a crash.
      this.place.catch((_heardByTheAwaiter: unknown) => undefined);
    }
    return this.place;
  }

  /** A cancel the ledger holds (done or under way) is answered only to a user who could have made it themselves. */
  async authorizeRecorded(record: CancelRecord): Promise<void> {
    authorized(await this.context(), restoreAppointment(record.appointment), 'cancel');
  }

  /** A ledger operation, within what is left of the turn: storage that is slow must not hold the answer past it. */
  stored<T>(operation: Promise<T>): Promise<T> {
    return byDeadline(operation, this.deadline, 'Storage');
  }

  /**
   * Records the entry; the trail keeps it from then on (and writes it later if storage is slow), so waiting for the
   * write ends with the turn's deadline: a cancel that landed is never answered late because its audit write was.
   */
  async audited(note: AuditNote, cancellationMessage = this.request.message): Promise<void> {
    const { acting, businessId, appointmentId } = this.request;
    const written = this.parts.audit.record({
      at: this.parts.clock().toISOString(),
      ...note,
      userObjectId: acting.user.aadObjectId,
      tenantId: acting.user.tenantId,
      businessId,
      appointmentId,
      ...(this.request.batchId ? { batchId: this.request.batchId } : {}),
      ...(this.parts.auditMessages ? { cancellationMessage } : {}),
    });
    await byDeadline(written, this.deadline, 'Audit').catch((error: unknown) => {
      if (!(error instanceof CodedError && error.code === ErrorCode.Timeout)) throw error;
    });
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof CodedError && error.code === ErrorCode.NotFound;
}

function outcomeOf(record: CancelRecord): CancelOutcome {
  return { appointment: restoreAppointment(record.appointment), cancellationMessage: record.cancellationMessage, cancelledAt: new Date(record.at) };
}

export function ledgerKey(businessId: string, appointmentId: string): string {
  return `cancel/${businessId.toLowerCase()}/${appointmentId}`;
}
