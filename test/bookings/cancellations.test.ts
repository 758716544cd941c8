import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/bookings/audit.js';
import { type CancelRecord, type LedgerEntry, storeAppointment } from '../../src/bookings/cancelLedger.js';
import { type CancelParts, CancelRun, type CancelState, ledgerKey } from '../../src/bookings/cancellations.js';
import { ErrorCode } from '../../src/bookings/errors.js';
import { NO_PLACES_CACHE, StaffDirectory } from '../../src/bookings/staffDirectory.js';
import type { Acting, UpcomingAppointment } from '../../src/bookings/types.js';
import { BookingsService } from '../../src/bookings/service.js';
import { cancelTimingFor } from '../../src/config/durations.js';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { ExpiringMemoryStorage } from '../../src/storage/expiringMemoryStorage.js';
import { StorageCancelLedger } from '../../src/storage/storageCancelLedger.js';
import { ADELE, CONTOSO, gatewayFor, LEE_NOT_STAFF, startLocalGraph } from '../helpers/localGraph.js';

/**
 * Each transition of the cancel state machine (src/bookings/cancellations.ts), one at a time: the state it starts in,
 * what the ledger and Graph (the local stand-in) hold, and the state it leads to. The whole runs are in service.test.ts.
 */
describe('the cancel state machine, transition by transition', () => {
  const acting: Acting = { user: { id: '29:user' } };
  const lee: Acting = { user: { id: '29:lee' } };
  let graph: LocalGraphService;
  let ledger: StorageCancelLedger;
  let audited: AuditEntry[];
  /** What the runs went on past (best-effort writes that failed). */
  const noted: string[] = [];
  let target: UpcomingAppointment;
  let key: string;

  const partsFor = (login: string, timing: Partial<CancelParts> = {}): CancelParts => {
    const gateway = gatewayFor(graph, { login });
    return {
      gateway,
      directory: new StaffDirectory(gateway, NO_PLACES_CACHE),
      ledger,
      audit: { record: (entry: AuditEntry) => Promise.resolve(void audited.push(entry)) },
      clock: () => new Date(),
      leaseClock: Date.now,
      auditMessages: false,
      noted: (_error, what) => void noted.push(what),
      ...cancelTimingFor(12_000),
      ...timing,
    };
  };
  /** A run of Adele's (or Lee's) confirm; `granted` as her prompt granted it, or none (a confirm without a valid grant). */
  const runFor = (login = ADELE, timing: Partial<CancelParts> = {}, as = login === ADELE ? acting : lee, granted?: UpcomingAppointment) => {
    return new CancelRun(partsFor(login, timing), { acting: as, businessId: CONTOSO, appointmentId: target.id, message: ' Sorry ', granted });
  };
  const record = (state: CancelRecord['state'], leaseUntil: number, attemptId = 'other-turn'): CancelRecord => ({
    state,
    attemptId,
    leaseUntil,
    cancellationMessage: 'First',
    at: new Date().toISOString(),
    appointment: storeAppointment(target),
  });
  const recorded = async (r: CancelRecord): Promise<LedgerEntry> => {
    expect(await ledger.claim(key, r)).toBe(true);
    return (await ledger.get(key))!;
  };
  const posts = () => graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel')).length;
  const gone = () => graph.store.cancel(graph.store.appointment(graph.store.business(CONTOSO)!, target.id)!, graph.identity.findUser(ADELE)!, 'elsewhere', new Date());

  beforeEach(async () => {
    graph = await startLocalGraph();
    ledger = new StorageCancelLedger(new ExpiringMemoryStorage(60_000));
    audited = [];
    const parts = partsFor(ADELE);
    const service = new BookingsService(parts.gateway, parts.directory, parts.clock, 14);
    const listed = await service.upcoming(acting);
    target = listed.kind === 'appointments' ? listed.appointments.find((a) => a.businessId === CONTOSO && a.canCancel)! : undefined!;
    key = ledgerKey(CONTOSO, target.id);
  });
  afterEach(async () => {
    await graph.stop();
  });

  describe('readLedger', () => {
    it('→ fetch, with nothing seen, when the ledger holds nothing and the confirm has no grant', async () => {
      expect(await runFor().step({ at: 'readLedger' })).toEqual({ at: 'fetch', seen: undefined });
    });
    it('→ claim with the granted appointment, nothing read, when the ledger holds nothing', async () => {
      const reads = graph.requests.length;
      expect(await runFor(ADELE, {}, acting, target).step({ at: 'readLedger' })).toEqual({ at: 'claim', appointment: target });
      expect(graph.requests).toHaveLength(reads);
    });
    it('→ fetch even with a grant, when an earlier attempt has no outcome (only a read can tell whether it landed)', async () => {
      const stale = await recorded(record('attempted', Date.now() - 1));
      expect(await runFor(ADELE, {}, acting, target).step({ at: 'readLedger' })).toEqual({ at: 'fetch', seen: stale });
    });
    it('→ joinRecorded for a cancel done, or one whose turn still holds its lease', async () => {
      const done = await recorded(record('cancelled', 0));
      expect(await runFor().step({ at: 'readLedger' })).toEqual({ at: 'joinRecorded', entry: done });
      await ledger.delete(key);
      const live = await recorded(record('attempted', Date.now() + 60_000));
      expect(await runFor().step({ at: 'readLedger' })).toEqual({ at: 'joinRecorded', entry: live });
    });
    it('→ fetch with the attempt seen, when its lease is over (its turn stopped without an outcome)', async () => {
      const stale = await recorded(record('attempted', Date.now() - 1));
      expect(await runFor().step({ at: 'readLedger' })).toEqual({ at: 'fetch', seen: stale });
    });
  });

  describe('joinRecorded', () => {
    it('→ repeated for a cancel done; → awaitOtherTurn for one under way', async () => {
      const done = await recorded(record('cancelled', 0));
      expect(await runFor().step({ at: 'joinRecorded', entry: done })).toEqual({ at: 'repeated', record: done.record });
      expect(await runFor().step({ at: 'joinRecorded', entry: { ...done, record: { ...done.record, state: 'attempted' } } })).toEqual({ at: 'awaitOtherTurn' });
    });
    it("refuses someone who could not have made that cancel: another user's outcome is never theirs", async () => {
      const done = await recorded(record('cancelled', 0));
      await expect(runFor(LEE_NOT_STAFF).step({ at: 'joinRecorded', entry: done })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    });
  });

  describe('fetch', () => {
    it('→ claim with the appointment as Graph has it now, for a granted confirm', async () => {
      const next = await runFor(ADELE, {}, acting, target).step({ at: 'fetch' });
      expect(next).toMatchObject({ at: 'claim', appointment: { id: target.id, businessName: target.businessName, canCancel: true } });
    });
    it('→ done, to confirm again on a fresh prompt, for a confirm without a grant: nothing is claimed or sent', async () => {
      const next = await runFor().step({ at: 'fetch' });
      expect(next).toMatchObject({ at: 'done', result: { kind: 'confirmAgain', appointment: { id: target.id, canCancel: true } } });
      expect(await ledger.get(key)).toBeUndefined();
    });
    it('fails Forbidden for a confirm without a grant by someone the access rule does not let cancel it', async () => {
      await expect(runFor(LEE_NOT_STAFF).step({ at: 'fetch' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    });
    it('→ takeOver when Graph says 404 and an earlier attempt was seen (its POST landed)', async () => {
      const stale = await recorded(record('attempted', Date.now() - 1));
      gone();
      expect(await runFor().step({ at: 'fetch', seen: stale })).toEqual({ at: 'takeOver', earlier: stale });
    });
    it("→ joinRecorded when Graph says 404 because another turn's cancel landed after this one read the ledger", async () => {
      gone();
      const landed = await recorded(record('cancelled', 0));
      expect(await runFor().step({ at: 'fetch' })).toEqual({ at: 'joinRecorded', entry: landed });
    });
    it('fails NotFound when Graph says 404 and the ledger knows nothing of it', async () => {
      gone();
      await expect(runFor().step({ at: 'fetch' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    });
  });

  describe('claim', () => {
    it('→ post, with the attempt in the ledger under this run, when the key is free', async () => {
      const run = runFor();
      const next = await run.step({ at: 'claim', appointment: target });
      expect(next).toMatchObject({ at: 'post', attempt: { state: 'attempted', attemptId: run.attemptId, cancellationMessage: 'Sorry' } });
      expect((await ledger.get(key))?.record.attemptId).toBe(run.attemptId);
    });
    it('→ awaitOtherTurn when another turn claimed it first', async () => {
      await recorded(record('attempted', Date.now() + 60_000));
      expect(await runFor().step({ at: 'claim', appointment: target })).toEqual({ at: 'awaitOtherTurn' });
      expect((await ledger.get(key))?.record.attemptId).toBe('other-turn');
    });
  });

  describe('post', () => {
    it('→ recordCancelled after exactly one POST, keeping Graph\'s request-id for the audit trail', async () => {
      const run = runFor();
      const attempt = record('attempted', Date.now() + 60_000, run.attemptId);
      expect(await run.step({ at: 'post', attempt })).toEqual({ at: 'recordCancelled', attempt, recovered: false });
      expect(posts()).toBe(1);
      expect(run.graphRequestId).toEqual(expect.any(String));
    });
    it('→ recordCancelled as recovered when Graph says 404 to a retry of an attempt seen before', async () => {
      const stale = await recorded(record('attempted', Date.now() - 1));
      gone();
      expect(await runFor().step({ at: 'post', seen: stale, attempt: record('attempted', Date.now() + 60_000) })).toEqual({ at: 'recordCancelled', attempt: stale.record, recovered: true });
    });
    it('keeps the attempt, released, when the outcome is unknown (503): a retry that meets 404 knows it landed', async () => {
      const run = runFor();
      await recorded(record('attempted', Date.now() + 60_000, run.attemptId));
      graph.faults.add({ method: 'POST', pathIncludes: '/cancel', status: 503 });
      await expect(run.step({ at: 'post', attempt: (await ledger.get(key))!.record })).rejects.toMatchObject({ code: ErrorCode.Unavailable });
      expect((await ledger.get(key))?.record).toMatchObject({ attemptId: run.attemptId, state: 'attempted', leaseUntil: 0 });
    });
    it('forgets the attempt when Graph refused it (nothing was cancelled)', async () => {
      const run = runFor(LEE_NOT_STAFF);
      await recorded(record('attempted', Date.now() + 60_000, run.attemptId));
      await expect(run.step({ at: 'post', attempt: (await ledger.get(key))!.record })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
      expect(await ledger.get(key)).toBeUndefined();
      expect(graph.store.cancellations).toEqual([]);
    });
  });

  describe('takeOver', () => {
    it('→ recordCancelled as recovered when this run wins the earlier attempt', async () => {
      const stale = await recorded(record('attempted', Date.now() - 1));
      const next = await runFor().step({ at: 'takeOver', earlier: stale });
      expect(next).toMatchObject({ at: 'recordCancelled', recovered: true, attempt: { attemptId: 'other-turn' } });
    });
    it('→ awaitOtherTurn when another run took it over first', async () => {
      const stale = await recorded(record('attempted', Date.now() - 1));
      await ledger.put(key, record('attempted', Date.now() + 60_000, 'faster-turn'));
      expect(await runFor().step({ at: 'takeOver', earlier: stale })).toEqual({ at: 'awaitOtherTurn' });
    });
  });

  describe('awaitOtherTurn', () => {
    const quick = { awaitOtherTurnMs: 400, pollMs: 20 };
    it("→ repeated once the other turn's cancel is recorded", async () => {
      await recorded(record('attempted', Date.now() + 60_000));
      const run = runFor(ADELE, quick);
      const waiting = run.step({ at: 'awaitOtherTurn' });
      await ledger.put(key, record('cancelled', 0));
      expect(await waiting).toMatchObject({ at: 'repeated', record: { state: 'cancelled', attemptId: 'other-turn' } });
    });
    it('→ readLedger when the other turn gave up its claim, but only once: the second time it says "in progress"', async () => {
      const run = runFor(ADELE, quick);
      expect(await run.step({ at: 'awaitOtherTurn' })).toEqual({ at: 'readLedger' });
      await expect(run.step({ at: 'awaitOtherTurn' })).rejects.toMatchObject({ code: ErrorCode.CancelInProgress });
    });
    it('says "in progress" when the other turn still holds its lease at the end of the wait', async () => {
      await recorded(record('attempted', Date.now() + 60_000));
      await expect(runFor(ADELE, quick).step({ at: 'awaitOtherTurn' })).rejects.toMatchObject({ code: ErrorCode.CancelInProgress });
    });
  });

  describe('a whole run', () => {
    it("answers a cancel that landed by the turn's deadline even when the audit trail's write hangs (the entry stays recorded)", async () => {
      const recorded: AuditEntry[] = [];
      const hangingAudit = { record: (entry: AuditEntry) => new Promise<void>(() => void recorded.push(entry)) };
      const started = performance.now();
      const run = new CancelRun({ ...partsFor(ADELE), audit: hangingAudit }, { acting: { ...acting, deadline: started + 500 }, businessId: CONTOSO, appointmentId: target.id, message: 'Sorry', granted: target });
      const answer = await Promise.race([run.outcome(), new Promise((resolve) => setTimeout(() => resolve('no answer after 3 s'), 3_000))]);
      expect(answer).toMatchObject({ kind: 'cancelled', outcome: { appointment: { id: target.id } } });
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(posts()).toBe(1);
      expect(recorded).toMatchObject([{ outcome: 'cancelled', appointmentId: target.id }]);
    });
  });

  describe('recordCancelled and repeated', () => {
    it('recordCancelled → done: audited first, then the ledger says cancelled', async () => {
      const run = runFor();
      const attempt = await recorded(record('attempted', Date.now() + 60_000, run.attemptId));
      const next = await run.step({ at: 'recordCancelled', attempt: attempt.record, recovered: false });
      expect(next).toMatchObject({ at: 'done', result: { kind: 'cancelled', outcome: { cancellationMessage: 'First', appointment: { id: target.id } } } });
      expect(audited).toMatchObject([{ outcome: 'cancelled', attemptId: run.attemptId }]);
      expect((await ledger.get(key))?.record.state).toBe('cancelled');
    });
    it('repeated → done with the recorded outcome, audited as a repeat of that attempt', async () => {
      const done = await recorded(record('cancelled', 0));
      const next: CancelState = await runFor().step({ at: 'repeated', record: done.record });
      expect(next).toMatchObject({ at: 'done', result: { kind: 'cancelled', outcome: { cancellationMessage: 'First' } } });
      expect(audited).toMatchObject([{ outcome: 'repeated', attemptId: 'other-turn' }]);
    });
  });
});
