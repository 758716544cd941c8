import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/bookings/audit.js';
import { storeAppointment } from '../../src/bookings/cancelLedger.js';
import { Cancellations, ledgerKey } from '../../src/bookings/cancellations.js';
import { batchIdOf, type DayBatchRecord } from '../../src/bookings/dayBatch.js';
import { type DayCancellations as Days, DayCancellations, type DayParts } from '../../src/bookings/dayCancellation.js';
import { dayToCancel } from '../../src/bookings/dayToCancel.js';
import { ErrorCode } from '../../src/bookings/errors.js';
import { BookingsService } from '../../src/bookings/service.js';
import { NO_PLACES_CACHE, StaffDirectory, userKeyOf } from '../../src/bookings/staffDirectory.js';
import type { Acting, UpcomingAppointment } from '../../src/bookings/types.js';
import { cancelTimingFor, dayTimingFor } from '../../src/config/durations.js';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { ExpiringMemoryStorage } from '../../src/storage/expiringMemoryStorage.js';
import { StorageCancelLedger } from '../../src/storage/storageCancelLedger.js';
import { StorageDayBatches } from '../../src/storage/storageDayBatches.js';
import { addBusyDay, type BusyDay } from '../helpers/busyDay.js';
import { ADELE, gatewayFor, startLocalGraph } from '../helpers/localGraph.js';

const TZ = 'America/Chicago';
const MESSAGE = 'Sorry, I am ill today. Please book again.';

/**
 * A day's cancellation in the domain (src/bookings/dayCancellation.ts), against the local Graph with latency and its
 * 4-per-mailbox limit: each appointment through the single cancel's run, the batch in storage.
 */
describe('a day of appointments cancelled as one batch', () => {
  const adele: Acting = { user: { id: '29:adele', channel: 'msteams', aadObjectId: 'adele-oid', tenantId: 't' } };
  const megan: Acting = { user: { id: '29:megan', channel: 'msteams', aadObjectId: 'megan-oid', tenantId: 't' } };
  let graph: LocalGraphService;
  let storage: ExpiringMemoryStorage;
  let audited: AuditEntry[];
  let noted: string[];
  let busy: BusyDay;
  let offered: UpcomingAppointment[];

  /** What a day's batch works with: the real cancel (ledger, grant, access rule) against the local Graph. */
  const partsFor = (timing: Partial<DayParts> = {}): DayParts => {
    const gateway = gatewayFor(graph, { login: ADELE, maxRetries: 0 });
    const directory = new StaffDirectory(gateway, NO_PLACES_CACHE);
    const audit = { record: (entry: AuditEntry) => Promise.resolve(void audited.push(entry)) };
    const cancellations = new Cancellations({
      gateway,
      directory,
      ledger: new StorageCancelLedger(storage),
      audit,
      clock: () => new Date(),
      leaseClock: Date.now,
      auditMessages: false,
      noted: (_error, what) => void noted.push(what),
      ...cancelTimingFor(4_000),
    });
    return {
      cancellations,
      batches: new StorageDayBatches(storage),
      audit,
      clock: () => new Date(),
      leaseClock: Date.now,
      concurrency: 4,
      auditMessages: false,
      noted: (_error, what) => void noted.push(what),
      ...dayTimingFor(4_000),
      ...timing,
    };
  };
  const daysFor = (timing: Partial<DayParts> = {}): Days => new DayCancellations(partsFor(timing));
  const request = (granted = offered, nonce = 'prompt-1') => ({
    batchId: batchIdOf(userKeyOf(adele.user), nonce, busy.day),
    day: busy.day,
    message: MESSAGE,
    granted,
    grantedAt: Date.now(),
  });
  const posts = (id?: string) => graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel') && (!id || r.path.includes(encodeURIComponent(id))));
  const finished = (days: Days, req: ReturnType<typeof request>) => days.confirm(adele, req).then((watch) => watch.settled(performance.now() + 20_000));

  beforeEach(async () => {
    graph = await startLocalGraph({ latencyMs: 40 });
    storage = new ExpiringMemoryStorage(60_000);
    audited = [];
    noted = [];
    busy = addBusyDay(graph, { count: 20 });
    const gateway = gatewayFor(graph, { login: ADELE });
    const offer = await dayToCancel(new BookingsService(gateway, new StaffDirectory(gateway, NO_PLACES_CACHE), () => new Date(), 14), adele, busy.day, TZ, 'mine', {});
    offered = offer.appointments;
    graph.requests.length = 0;
    graph.peakPerMailbox = 0;
  });
  afterEach(async () => {
    storage.close();
    await graph.stop();
  });

  it('offers the day as the access rule allows, then cancels each chosen one with one POST, at most 4 at once in the mailbox', async () => {
    expect(offered.map((a) => a.id)).toEqual(busy.appointments.map((a) => a.id));
    const progress = await finished(daysFor(), request());
    expect(progress).toMatchObject({ finished: true, counts: { total: 20, cancelled: 20, alreadyGone: 0, refused: 0, failed: 0, pending: 0 } });
    expect(posts()).toHaveLength(20);
    expect(graph.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
    expect(graph.peakPerMailbox).toBe(4);
    expect(graph.throttled).toBe(0);
    expect(graph.store.cancellations.map((c) => c.cancellationMessage)).toEqual(Array(20).fill(MESSAGE));
    // One audit entry per appointment (naming the batch), and one for the batch with its counts.
    const batchId = request().batchId;
    expect(audited.filter((e) => e.outcome === 'cancelled' && e.batchId === batchId)).toHaveLength(20);
    // The batch's entry follows its last save, a moment after the last appointment.
    await expect.poll(() => audited.filter((e) => e.outcome === 'batch')).toEqual([expect.objectContaining({ batchId, batch: { day: busy.day, round: 0, total: 20, cancelled: 20, alreadyGone: 0, refused: 0, failed: 0 } })]);
  });

  it('one 503 and one 404 in the middle: the rest go on; the summary says which failed and why; Retry re-runs only that one', async () => {
    const [unavailable, gone] = [offered[7]!, offered[12]!];
    graph.faults.add({ method: 'POST', pathIncludes: unavailable.id, status: 503 });
    graph.store.cancel(graph.store.appointment(graph.store.business(gone.businessId)!, gone.id)!, graph.identity.findUser(ADELE)!, 'elsewhere', new Date());
    const days = daysFor();
    const req = request();
    const progress = await finished(days, req);
    expect(progress.counts).toMatchObject({ cancelled: 18, alreadyGone: 1, refused: 0, failed: 1 });
    expect(progress.items[7]).toMatchObject({ outcome: 'failed', errorCode: ErrorCode.Unavailable, requestId: expect.any(String) });
    expect(progress.items[12]).toMatchObject({ outcome: 'alreadyGone' });
    expect(progress.retryable).toBe(1);
    expect(posts()).toHaveLength(20);

    const retried = await (await days.retry(adele, req.batchId)).settled(performance.now() + 20_000);
    expect(retried.counts).toMatchObject({ cancelled: 19, alreadyGone: 1, failed: 0 });
    expect(posts()).toHaveLength(21);
    expect(posts(unavailable.id)).toHaveLength(2);
    // The retry ran that one alone: the others were not run again (not even to be answered from the ledger).
    expect(audited.filter((e) => e.outcome === 'repeated')).toEqual([]);
    // Nobody got two messages: one cancellation per appointment at Graph.
    const perAppointment = new Map<string, number>();
    for (const c of graph.store.cancellations) perAppointment.set(c.appointmentId, (perAppointment.get(c.appointmentId) ?? 0) + 1);
    expect([...perAppointment.values()].every((n) => n === 1)).toBe(true);
    await expect.poll(() => audited.filter((e) => e.outcome === 'batch').map((e) => [e.batch!.round, e.batch!.cancelled, e.batch!.failed])).toEqual([
      [0, 18, 1],
      [1, 19, 0],
    ]);
  });

  it('offers none that has begun by the time the prompt is drawn', async () => {
    const gateway = gatewayFor(graph, { login: ADELE });
    const at = new Date(busy.appointments[2]!.start.getTime() + 60_000);
    const offer = await dayToCancel(new BookingsService(gateway, new StaffDirectory(gateway, NO_PLACES_CACHE), () => at, 14), adele, busy.day, TZ, 'mine', {});
    expect(offer.appointments.map((a) => a.id)).toEqual(busy.appointments.filter((a) => a.start > at).map((a) => a.id));
    expect(offer.appointments).toHaveLength(busy.appointments.length - 3);
  });

  it('a Retry after the failed appointment has begun (hours later) refuses it and sends its customer nothing', async () => {
    const unavailable = offered[3]!;
    graph.faults.add({ method: 'POST', pathIncludes: unavailable.id, status: 503, times: 1 });
    let now = new Date();
    const days = daysFor({ clock: () => now });
    const req = request();
    expect((await finished(days, req)).counts).toMatchObject({ cancelled: 19, failed: 1 });
    // Retried once the appointment has started.
    now = new Date(unavailable.start.getTime() + 60_000);
    const retried = await (await days.retry(adele, req.batchId)).settled(performance.now() + 20_000);
    expect(retried.items[3]).toMatchObject({ outcome: 'refused', errorCode: ErrorCode.AppointmentStarted });
    expect(retried.counts).toMatchObject({ cancelled: 19, refused: 1, failed: 0 });
    expect(posts(unavailable.id)).toHaveLength(1);
  });

  it('a double Confirm (here, or on another instance sharing the storage) joins one batch: each appointment once', async () => {
    const req = request();
    const [a, b, other] = [daysFor(), daysFor(), daysFor()];
    const watches = await Promise.all([a.confirm(adele, req), a.confirm(adele, req), other.confirm(adele, req)]);
    const ends = await Promise.all(watches.map((w) => w.settled(performance.now() + 20_000)));
    for (const end of ends) expect(end.counts.cancelled).toBe(20);
    expect(posts()).toHaveLength(20);
    // One run of the batch, not three that the ledger kept from sending twice: one batch entry, no "repeated" ones.
    await expect.poll(() => audited.filter((e) => e.outcome === 'batch')).toHaveLength(1);
    expect(audited.filter((e) => e.outcome === 'repeated')).toEqual([]);
    // A third click later, on yet another instance: the summary from storage, nothing sent.
    expect((await (await b.confirm(adele, req)).settled(performance.now() + 5_000)).counts.cancelled).toBe(20);
    expect(posts()).toHaveLength(20);
  });

  it('one card starts one batch: a second Confirm of the same prompt with other boxes ticked joins the first and sends nothing of its own', async () => {
    const days = daysFor();
    const first = await days.confirm(adele, request(offered.slice(0, 5)));
    const second = await days.confirm(adele, request(offered));
    const [a, b] = await Promise.all([first.settled(performance.now() + 20_000), second.settled(performance.now() + 20_000)]);
    expect([a.counts.total, b.counts.total]).toEqual([5, 5]);
    expect(b.counts.cancelled).toBe(5);
    expect(posts()).toHaveLength(5);
  });

  it('takes over a batch whose instance stopped mid-way: the one it had sent is recorded, not sent again; the rest are cancelled once', async () => {
    const req = request();
    const key = `cancel/day/${req.batchId}`;
    // A run that stopped: 5 cancelled, one whose POST landed but was never recorded (its claim lapsed), 14 to do.
    const [landed] = [offered[5]!];
    const items = offered.map((a, i) => ({ appointment: storeAppointment(a), outcome: i < 5 ? ('cancelled' as const) : ('pending' as const), round: 0 }));
    const record: DayBatchRecord = { user: userKeyOf(adele.user), day: busy.day, message: MESSAGE, grantedAt: Date.now(), createdAt: new Date().toISOString(), round: 0, items, lease: { runId: 'dead', until: Date.now() - 1 } };
    await storage.write({ [key]: { batch: record, expiresAt: Date.now() + 60_000 } });
    for (const a of offered.slice(0, 6)) graph.store.cancel(graph.store.appointment(graph.store.business(a.businessId)!, a.id)!, graph.identity.findUser(ADELE)!, MESSAGE, new Date());
    await new StorageCancelLedger(storage).claim(ledgerKey(landed.businessId, landed.id), { state: 'attempted', attemptId: 'dead-attempt', leaseUntil: Date.now() - 1, cancellationMessage: MESSAGE, at: new Date().toISOString(), appointment: storeAppointment(landed) });

    const progress = await (await daysFor().follow(adele, req.batchId)).settled(performance.now() + 20_000);
    expect(progress.counts).toMatchObject({ cancelled: 20, failed: 0 });
    expect(posts(landed.id)).toHaveLength(0);
    expect(posts()).toHaveLength(14);
    expect(audited.find((e) => e.appointmentId === landed.id)).toMatchObject({ outcome: 'cancelled', recovered: true, batchId: req.batchId });
  });

  it('runs at most `concurrency` cancels at once per business, and businesses side by side (its own bound, before the pacer)', async () => {
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    const run = async ({ businessId }: { businessId: string }) => {
      inFlight.set(businessId, (inFlight.get(businessId) ?? 0) + 1);
      peak.set(businessId, Math.max(peak.get(businessId) ?? 0, inFlight.get(businessId)!));
      await new Promise((r) => setTimeout(r, 20));
      inFlight.set(businessId, inFlight.get(businessId)! - 1);
      return { kind: 'cancelled' as const, outcome: { appointment: offered[0]!, cancellationMessage: MESSAGE, cancelledAt: new Date() } };
    };
    const elsewhere = offered.slice(0, 8).map((a) => ({ ...a, id: `${a.id}-b`, businessId: 'Elsewhere@contoso.onmicrosoft.com' }));
    const days = new DayCancellations({ ...partsFor(), cancellations: { run } });
    const progress = await (await days.confirm(adele, request([...offered, ...elsewhere]))).settled(performance.now() + 20_000);
    expect(progress.counts.cancelled).toBe(28);
    expect(Object.fromEntries(peak)).toEqual({ [offered[0]!.businessId]: 4, 'Elsewhere@contoso.onmicrosoft.com': 4 });
  });

  it('waits out a throttled cancel (Retry-After) and sends it again: Graph did not take it the first time', async () => {
    graph.faults.add({ method: 'POST', pathIncludes: offered[3]!.id, status: 429, retryAfterSeconds: 1 });
    const progress = await finished(daysFor(), request());
    expect(progress.counts.cancelled).toBe(20);
    expect(posts(offered[3]!.id)).toHaveLength(2);
    expect(graph.store.cancellations).toHaveLength(20);
  });

  it("is the user's own: another user can neither follow nor retry it", async () => {
    const req = request(offered.slice(0, 2));
    const days = daysFor();
    await finished(days, req);
    await expect(days.follow(megan, req.batchId)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(days.retry(megan, req.batchId)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(daysFor().follow(adele, 'x'.repeat(32))).rejects.toMatchObject({ code: ErrorCode.DayBatchUnknown });
  });
});
