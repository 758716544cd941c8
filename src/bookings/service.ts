import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEntry, AuditTrail } from './audit.js';
import { type CancelLedger, type CancelRecord, type LedgerEntry, restoreAppointment, storeAppointment } from './cancelLedger.js';
import { validCancellationMessage } from './cancellationMessage.js';
import { windowOf } from './dateRange.js';
import { byDeadline } from './deadline.js';
import { CodedError, ErrorCode, toCodedError } from './errors.js';
import { accessTo, isOwnOrUnassigned, type Membership, maySeeWholeBusiness } from './access.js';
import type { BookingsGateway } from './gateway.js';
import { isRefusedBusiness, type StaffDirectory, userKeyOf } from './staffDirectory.js';
import type {
  Appointment,
  Business,
  BusinessFilter,
  CancelOutcome,
  ListScope,
  StaffMember,
  TimeWindow,
  UpcomingAppointment,
  UpcomingResult,
  UserRef,
} from './types.js';

export type Clock = () => Date;

export interface BookingsServiceOptions {
  /** How far ahead "upcoming" looks. */
  windowDays: number;
  /** How long a claimed cancel belongs to its turn: longer than that turn's Graph budget (TURN_TIMEOUT_MS). */
  attemptLeaseMs: number;
  /** How long a confirm waits for another turn's cancel of the same appointment before saying it is in progress. */
  awaitOtherTurnMs: number;
  /** How often that wait looks at the ledger. */
  pollMs: number;
  /** Whether audit entries keep the cancellation message (AUDIT_MESSAGES). */
  auditMessages: boolean;
}

/** Failures after which we cannot know whether Graph cancelled (no answer, or a server fault mid-way). */
const OUTCOME_UNKNOWN = new Set([ErrorCode.Timeout, ErrorCode.Unavailable, ErrorCode.Internal]);

/** The bot's use cases: what is coming up for me, and cancel one with a message. */
export class BookingsService {
  /** Cancels under way, so concurrent confirms of one appointment share a single Graph call. */
  private readonly inFlight = new Map<string, Promise<CancelOutcome>>();

  constructor(
    private readonly gateway: BookingsGateway,
    /** Where the user is staff, remembered between turns. */
    private readonly directory: StaffDirectory,
    private readonly ledger: CancelLedger,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly options: BookingsServiceOptions,
    /** Wall-clock time for leases, which every instance compares (the clock above may be a test's fixed "now"). */
    private readonly leaseClock: () => number = Date.now,
  ) {}

  /**
   * The user's upcoming appointments in every business where they are staff: those assigned to them
   * and those assigned to nobody (which any staff member may have to handle), soonest first. With scope
   * "business", administrators and schedulers get everyone's appointments in the businesses they run.
   */
  async upcoming(user: UserRef, window?: TimeWindow, scope: ListScope = 'mine', filter: BusinessFilter = {}): Promise<UpcomingResult> {
    const now = this.clock();
    window ??= windowOf('upcoming', now, 'UTC', this.options.windowDays);
    const mine = (await this.directory.placesOf(user)).places;
    if (mine.length === 0) return { kind: 'notStaff', window };
    const all = mine.map((m) => m.business);
    const chosen = chooseBusiness(all, filter);
    if (filter.name && !chosen) return { kind: 'noSuchBusiness', window, name: filter.name, businesses: all };
    const shown = chosen ? mine.filter((m) => m.business === chosen) : mine;

    const perBusiness = await Promise.all(
      shown.map(async ({ business, staff, me }) => {
        const appointments = await this.appointmentsIn(user, business.id, window);
        const everyone = scope === 'business' && maySeeWholeBusiness(me);
        return appointments
          .filter((a) => a.end > now && (everyone || isOwnOrUnassigned(me, a)) && accessTo(me, a).maySee)
          .map((a) => placeInContext(a, { business, staff, me }));
      }),
    );
    const appointments = perBusiness.flat().sort((a, b) => a.start.getTime() - b.start.getTime() || a.id.localeCompare(b.id));
    return { kind: 'appointments', window, appointments, scope, canSeeWholeBusiness: mine.some(({ me }) => maySeeWholeBusiness(me)), businesses: all, business: chosen };
  }

  /** One appointment, fetched fresh so a stale card never acts on data that changed; Forbidden unless the user may see it. */
  appointment(user: UserRef, businessId: string, appointmentId: string): Promise<UpcomingAppointment> {
    return this.fetchFor(user, businessId, appointmentId, 'see');
  }

  /** The appointment, if the user may cancel it; otherwise Forbidden, before anything is sent. */
  appointmentToCancel(user: UserRef, businessId: string, appointmentId: string): Promise<UpcomingAppointment> {
    return this.fetchFor(user, businessId, appointmentId, 'cancel');
  }

  private async fetchFor(user: UserRef, businessId: string, appointmentId: string, need: 'see' | 'cancel'): Promise<UpcomingAppointment> {
    const [appointment, context] = await Promise.all([this.inBusiness(user, this.gateway.getAppointment(user, businessId, appointmentId)), this.contextOf(user, businessId)]);
    return authorized(context, appointment, need);
  }

  /** The business as this user is placed in it: its name, its staff, and the user's own staff record (if any). */
  private async contextOf(user: UserRef, businessId: string): Promise<BusinessContext> {
    const { business, place } = await this.directory.placeOf(user, businessId);
    return { business, staff: place?.staff ?? [], me: place?.me };
  }

  /**
   * Graph's answer to a call in one business. A refusal of the business (the user was removed as staff, or their role
   * changed) means what the directory remembers is out of date: it is forgotten, so the next turn reads it again.
   */
  private async inBusiness<T>(user: UserRef, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (losesPlace(error)) await this.directory.forget(user);
      throw error;
    }
  }

  /** A business's appointments in the window; none when Graph now refuses the business: it never fails the list. */
  private async appointmentsIn(user: UserRef, businessId: string, window: TimeWindow): Promise<Appointment[]> {
    try {
      return await this.gateway.calendarView(user, businessId, window);
    } catch (error) {
      if (!isRefusedBusiness(error)) throw error;
      await this.directory.forget(user);
      return [];
    }
  }

  /**
   * Cancels once, across instances and restarts. The attempt is claimed in the shared ledger before the POST; a
   * confirm that finds it claimed waits for that outcome instead of sending its own. Every attempt is audited.
   * @param deadline performance.now() by which the turn must answer (its budget under Teams' 15 s invoke limit):
   * waiting for another turn's cancel ends there at the latest, whatever the reads before it took.
   */
  async cancel(user: UserRef, businessId: string, appointmentId: string, message: string, deadline = Infinity): Promise<CancelOutcome> {
    const key = ledgerKey(businessId, appointmentId);
    // Shared only between confirms of the same user: another user's confirm makes its own access check.
    const flight = `${userKeyOf(user)}|${key}`;
    const running = this.inFlight.get(flight);
    if (running) return running;
    const attempt = this.auditedCancel({ user, businessId, appointmentId, message, key, deadline }).finally(() => this.inFlight.delete(flight));
    this.inFlight.set(flight, attempt);
    return attempt;
  }

  private async auditedCancel(request: CancelRequest): Promise<CancelOutcome> {
    const audit: AuditNote = { attemptId: randomUUID(), outcome: 'cancelled' };
    try {
      return await this.cancelOnce(request, audit, 0);
    } catch (error) {
      const coded = toCodedError(error);
      const outcome = losesPlace(coded) ? 'refused' : 'failed';
      await this.record(request, { ...audit, outcome, errorCode: coded.code, graphRequestId: coded.requestId });
      throw error;
    }
  }

  private async cancelOnce(request: CancelRequest, audit: AuditNote, retry: number): Promise<CancelOutcome> {
    const { user, businessId, appointmentId, key } = request;
    const cancellationMessage = validCancellationMessage(request.message);
    const seen = await this.stored(request, this.ledger.get(key));
    if (seen && (seen.record.state === 'cancelled' || seen.record.leaseUntil > this.leaseClock())) return this.joinRecorded(request, seen, audit, retry);
    // `seen` is now absent, or an attempt whose turn stopped without an outcome (timeout, crash): it may have landed.
    let appointment: UpcomingAppointment;
    try {
      // Fetched first: the outcome card shows what was cancelled, and a stale card or the access rule fails here.
      const [context, fetched] = await Promise.all([this.contextFor(request), this.inBusiness(user, this.gateway.getAppointment(user, businessId, appointmentId))]);
      appointment = authorized(context, fetched, 'cancel');
    } catch (error) {
      if (!isNotFound(error)) throw error;
      if (seen) {
        authorizeRecorded(await this.contextFor(request), seen.record);
        return this.settleLanded(request, seen, audit, retry);
      }
      // Another turn's cancel may have landed between our read of the ledger and the GET.
      const landed = await this.stored(request, this.ledger.get(key));
      if (landed) return this.joinRecorded(request, landed, audit, retry);
      throw error;
    }
    const record: CancelRecord = {
      state: 'attempted',
      attemptId: audit.attemptId,
      leaseUntil: this.leaseClock() + this.options.attemptLeaseMs,
      cancellationMessage,
      at: this.clock().toISOString(),
      appointment: storeAppointment(appointment),
    };
    if (!(await this.stored(request, this.ledger.claim(key, record, seen?.version)))) return this.awaitOtherTurn(request, audit, retry);
    try {
      audit.graphRequestId = (await this.inBusiness(user, this.gateway.cancelAppointment(user, businessId, appointmentId, cancellationMessage))).requestId;
    } catch (error) {
      if (seen && isNotFound(error)) return this.recordCancelled(request, seen.record, { ...audit, attemptId: seen.record.attemptId, recovered: true });
      // Outcome unknown: keep the attempt (released) so a retry that meets 404 knows it landed; otherwise forget it.
      // Best effort: the user must hear Graph's answer, and a claim left behind only delays a retry by its lease.
      const release = error instanceof CodedError && OUTCOME_UNKNOWN.has(error.code) ? this.ledger.put(key, { ...record, leaseUntil: 0 }) : this.ledger.delete(key);
      await this.stored(request, release).catch(() => undefined);
      throw error;
    }
    return this.recordCancelled(request, record, audit);
  }

  /** A cancel the ledger holds, done or under way: answered with its outcome only to a user who could have made it. */
  private async joinRecorded(request: CancelRequest, entry: LedgerEntry, audit: AuditNote, retry: number): Promise<CancelOutcome> {
    authorizeRecorded(await this.contextFor(request), entry.record);
    return entry.record.state === 'cancelled' ? this.repeated(request, entry.record) : this.awaitOtherTurn(request, audit, retry);
  }

  /** The user's place in the business, read once per cancel request, whichever path needs it first. */
  private contextFor(request: CancelRequest): Promise<BusinessContext> {
    if (!request.context) {
      request.context = this.contextOf(request.user, request.businessId);
      // Awaited by whichever path needs it; a failure it meets while no path waits is not a crash.
      request.context.catch(() => undefined);
    }
    return request.context;
  }

  /** A ledger operation, within what is left of the turn: storage that is slow must not hold the answer past it. */
  private stored<T>(request: CancelRequest, operation: Promise<T>): Promise<T> {
    return byDeadline(operation, request.deadline, 'Storage');
  }

  /** An earlier attempt's cancel landed (Graph now says 404): one turn takes the record over and records it. */
  private async settleLanded(request: CancelRequest, earlier: LedgerEntry, audit: AuditNote, retry: number): Promise<CancelOutcome> {
    const takeover = { ...earlier.record, leaseUntil: this.leaseClock() + this.options.attemptLeaseMs };
    if (!(await this.stored(request, this.ledger.claim(request.key, takeover, earlier.version)))) return this.awaitOtherTurn(request, audit, retry);
    return this.recordCancelled(request, takeover, { ...audit, attemptId: earlier.record.attemptId, recovered: true });
  }

  /**
   * Another turn holds the attempt: wait for its outcome while its lease lasts. If it gave up (or its process
   * stopped), try once more ourselves; the ledger still lets only one turn through.
   */
  private async awaitOtherTurn(request: CancelRequest, audit: AuditNote, retry: number): Promise<CancelOutcome> {
    const giveUpAt = Math.min(performance.now() + this.options.awaitOtherTurnMs, request.deadline);
    while (performance.now() < giveUpAt) {
      await sleep(Math.min(this.options.pollMs, giveUpAt - performance.now()));
      const entry = await this.stored(request, this.ledger.get(request.key));
      if (entry) authorizeRecorded(await this.contextFor(request), entry.record);
      if (entry?.record.state === 'cancelled') return this.repeated(request, entry.record);
      if (!entry || entry.record.leaseUntil <= this.leaseClock()) {
        if (retry >= 1) break;
        return this.cancelOnce(request, audit, retry + 1);
      }
    }
    throw new CodedError(ErrorCode.CancelInProgress, 'Another turn is still cancelling this appointment');
  }

  private async repeated(request: CancelRequest, record: CancelRecord): Promise<CancelOutcome> {
    await this.record(request, { attemptId: record.attemptId, outcome: 'repeated' });
    return outcomeOf(record);
  }

  /** Audit first, then the ledger: a crash in between leaves a duplicate entry (same attemptId), never a gap. */
  private async recordCancelled(request: CancelRequest, attempt: CancelRecord, audit: AuditNote): Promise<CancelOutcome> {
    await this.record(request, { ...audit, outcome: 'cancelled', cancellationMessage: attempt.cancellationMessage });
    const cancelled: CancelRecord = { ...attempt, state: 'cancelled', at: this.clock().toISOString() };
    // The appointment is cancelled whatever happens here: if storage fails now, the claim stays "attempted" and a
    // retry settles it through Graph's 404 (same attemptId), so the user still gets the truth.
    await this.stored(request, this.ledger.put(request.key, cancelled)).catch(() => undefined);
    return outcomeOf(cancelled);
  }

  private record(request: CancelRequest, note: AuditNote & { cancellationMessage?: string }): Promise<void> {
    const { user, businessId, appointmentId } = request;
    const { cancellationMessage, ...rest } = note;
    return this.audit.record({
      at: this.clock().toISOString(),
      ...rest,
      userObjectId: user.aadObjectId,
      tenantId: user.tenantId,
      businessId,
      appointmentId,
      ...(this.options.auditMessages ? { cancellationMessage: cancellationMessage ?? request.message } : {}),
    });
  }
}

interface CancelRequest {
  user: UserRef;
  businessId: string;
  appointmentId: string;
  message: string;
  key: string;
  /** performance.now() by which the turn must answer. */
  deadline: number;
  /** The user's place in the business, read once per request (see contextFor). */
  context?: Promise<BusinessContext>;
}

interface BusinessContext {
  business: Business;
  staff: StaffMember[];
  me: Membership;
}

type AuditNote = Omit<AuditEntry, 'at' | 'userObjectId' | 'tenantId' | 'businessId' | 'appointmentId' | 'cancellationMessage'>;

/** Graph refusing this user in a business where the directory placed them: they are no longer staff, or not in that role. */
function losesPlace(error: unknown): boolean {
  return error instanceof CodedError && (error.code === ErrorCode.Forbidden || error.code === ErrorCode.NotStaffOfBusiness);
}

function isNotFound(error: unknown): boolean {
  return error instanceof CodedError && error.code === ErrorCode.NotFound;
}

/** By id (a stale id means all), else the first whose name contains the typed text, ignoring case. */
function chooseBusiness(businesses: Business[], filter: BusinessFilter): Business | undefined {
  if (filter.id) return businesses.find((b) => b.id.toLowerCase() === filter.id!.toLowerCase());
  const name = filter.name?.trim().toLowerCase();
  return name ? businesses.find((b) => b.displayName.toLowerCase().includes(name) || b.id.toLowerCase().startsWith(name)) : undefined;
}

function outcomeOf(record: CancelRecord): CancelOutcome {
  return { appointment: restoreAppointment(record.appointment), cancellationMessage: record.cancellationMessage, cancelledAt: new Date(record.at) };
}

function ledgerKey(businessId: string, appointmentId: string): string {
  return `cancel/${businessId.toLowerCase()}/${appointmentId}`;
}

/** The appointment placed in the user's context, if the access rule lets them `need` it; Forbidden otherwise. */
function authorized(context: BusinessContext, appointment: Appointment, need: 'see' | 'cancel'): UpcomingAppointment {
  const access = accessTo(context.me, appointment);
  if (!(need === 'see' ? access.maySee : access.mayCancel)) throw new CodedError(ErrorCode.Forbidden, `The user may not ${need} this appointment`);
  return placeInContext(appointment, context);
}

/** A cancel the ledger holds (done or under way) is answered only to a user who could have made it themselves. */
function authorizeRecorded(context: BusinessContext, record: CancelRecord): void {
  authorized(context, restoreAppointment(record.appointment), 'cancel');
}

function placeInContext(appointment: Appointment, { business, staff, me }: BusinessContext): UpcomingAppointment {
  const names = new Map(staff.map((s) => [s.id, s.displayName]));
  return {
    ...appointment,
    businessName: business.displayName,
    staffNames: appointment.staffMemberIds.map((id) => names.get(id)).filter((n) => n !== undefined),
    // Graph can cancel only what it can address by id.
    canCancel: accessTo(me, appointment).mayCancel && appointment.openableById,
  };
}
