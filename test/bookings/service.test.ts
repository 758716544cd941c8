import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/bookings/audit.js';
import { type CancelLedger, storeAppointment } from '../../src/bookings/cancelLedger.js';
import type { BookingsGateway } from '../../src/bookings/gateway.js';
import type { Acting, UpcomingAppointment } from '../../src/bookings/types.js';
import { CodedError, ErrorCode } from '../../src/bookings/errors.js';
import { type CancelParts, Cancellations } from '../../src/bookings/cancellations.js';
import { BookingsService } from '../../src/bookings/service.js';
import { cancelTimingFor } from '../../src/config/durations.js';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { StaffDirectory } from '../../src/bookings/staffDirectory.js';
import { StorageCancelLedger } from '../../src/storage/storageCancelLedger.js';
import { ExpiringMemoryStorage } from '../../src/storage/expiringMemoryStorage.js';
import { StoragePlacesCache } from '../../src/storage/storagePlacesCache.js';
import { ADELE, CONTOSO, FABRIKAM, gatewayFor, LEE_NOT_STAFF, startLocalGraph } from '../helpers/localGraph.js';

const acting: Acting = { user: { id: '29:user' } };
/** The ledger's four operations, bound, to replace one of them. */
const bound = (ledger: CancelLedger): CancelLedger => ({ get: ledger.get.bind(ledger), claim: ledger.claim.bind(ledger), put: ledger.put.bind(ledger), delete: ledger.delete.bind(ledger) });
/** The bot's in-memory storage (createStorage's, not botbuilder's bare MemoryStorage: its conflicts are typed). */
const memoryStorage = () => new ExpiringMemoryStorage(60_000);

/**
 * The domain's two use cases over one gateway and one directory, as index.ts wires them: the reads, and cancelling
 * with its ledger in memory and audit entries collected (the storage side of both).
 */
function serviceOver(gateway: BookingsGateway, clock: () => Date, audited: AuditEntry[] = [], ledger: CancelLedger = new StorageCancelLedger(memoryStorage()), options: Partial<CancelParts> = {}) {
  const audit = { record: (entry: AuditEntry) => Promise.resolve(void audited.push(entry)) };
  const directory = new StaffDirectory(gateway, new StoragePlacesCache(memoryStorage(), 300_000));
  const reads = new BookingsService(gateway, directory, clock, 14);
  const cancels = new Cancellations({ gateway, directory, ledger, audit, clock, leaseClock: Date.now, ...cancelTimingFor(12_000), auditMessages: false, noted: () => undefined, ...options });
  /** A confirm: `granted` is the appointment as the user's prompt granted it; without it nothing is sent (see CancelRequest). */
  const cancel = async (who: Acting, businessId: string, appointmentId: string, message: string, granted?: UpcomingAppointment) => {
    const result = await cancels.cancel(who, businessId, appointmentId, message, granted);
    if (result.kind !== 'cancelled') throw new Error(`asked to confirm ${result.appointment.id} again`);
    return result.outcome;
  };
  return { upcoming: reads.upcoming.bind(reads), cancel };
}

describe('BookingsService against the local Graph service', () => {
  let graph: LocalGraphService;
  const now = new Date();
  const serviceFor = (login = ADELE) => serviceOver(gatewayFor(graph, { login }), () => now);

  beforeEach(async () => {
    graph = await startLocalGraph({ now: () => now });
  });
  afterEach(async () => {
    await graph.stop();
  });

  it('lists my appointments and unassigned ones across my businesses, soonest first, still upcoming', async () => {
    const result = await serviceFor().upcoming(acting);
    if (result.kind !== 'appointments') throw new Error('expected appointments');
    const { appointments } = result;
    expect(new Set(appointments.map((a) => a.businessName))).toEqual(new Set(['Contoso Lunch Delivery', 'Fabrikam Wellness Clinic']));
    for (const a of appointments) {
      // Adele's staff record, under whichever of her addresses the business uses.
      const staff = graph.store.staffRecord(graph.store.business(a.businessId)!, graph.identity.findUser(ADELE)!)!;
      expect(a.staffMemberIds.length === 0 || a.staffMemberIds.includes(staff.id)).toBe(true);
      expect(a.end.getTime()).toBeGreaterThan(now.getTime());
    }
    expect(appointments.map((a) => a.start.getTime())).toEqual([...appointments.map((a) => a.start.getTime())].sort((x, y) => x - y));
    expect(appointments.some((a) => a.staffNames.includes('Adele Vance'))).toBe(true);
    expect(appointments.some((a) => a.staffMemberIds.length === 0)).toBe(true);
    // Someone else's appointments are not mine.
    expect(appointments.some((a) => a.staffNames.length > 0 && !a.staffNames.includes('Adele Vance'))).toBe(false);
  });

  it('says "not staff" for a user in no business', async () => {
    expect((await serviceFor(LEE_NOT_STAFF).upcoming(acting)).kind).toBe('notStaff');
  });

  it('cancels once even when asked twice at the same moment and again later', async () => {
    const service = serviceFor();
    const result = await service.upcoming(acting);
    const target = result.kind === 'appointments' ? result.appointments.find((a) => a.businessId === CONTOSO)! : undefined!;
    const [a, b] = await Promise.all([service.cancel(acting, CONTOSO, target.id, ' Sorry ', target), service.cancel(acting, CONTOSO, target.id, 'Sorry', target)]);
    const c = await service.cancel(acting, CONTOSO, target.id, 'Something else', target);
    for (const outcome of [a, b, c]) expect(outcome).toMatchObject({ cancellationMessage: 'Sorry', appointment: { id: target.id, serviceName: target.serviceName } });
    expect(graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toHaveLength(1);
    expect(graph.store.cancellations).toMatchObject([{ appointmentId: target.id, cancellationMessage: 'Sorry' }]);
  });

  it('refuses empty and over-long messages before calling Graph', async () => {
    const service = serviceFor();
    for (const [message, code] of [
      ['  ', ErrorCode.MessageRequired],
      ['x'.repeat(501), ErrorCode.MessageTooLong],
    ] as const) {
      await expect(service.cancel(acting, CONTOSO, 'AAMkAD=', message)).rejects.toSatisfy((e: unknown) => e instanceof CodedError && e.code === code);
    }
    expect(graph.requests).toEqual([]);
  });
});

describe('BookingsService after a refused cancel', () => {
  it('does not mistake a later 404 for its own success when Graph had refused the first attempt', async () => {
    const graph = await startLocalGraph();
    try {
      const service = serviceOver(gatewayFor(graph), () => new Date());
      const result = await service.upcoming(acting);
      const target = result.kind === 'appointments' ? result.appointments.find((a) => a.businessId === CONTOSO)! : undefined!;
      // 429 on the POST is a definitive "not done": the attempt is forgotten.
      graph.faults.add({ method: 'POST', pathIncludes: '/cancel', status: 429, retryAfterSeconds: 60 });
      await expect(service.cancel(acting, CONTOSO, target.id, 'Sorry', target)).rejects.toSatisfy((e: unknown) => e instanceof CodedError && e.code === ErrorCode.Throttled);
      await gatewayFor(graph).cancelAppointment(acting, CONTOSO, target.id, 'Cancelled by the administrator');
      await expect(service.cancel(acting, CONTOSO, target.id, 'Sorry', target)).rejects.toSatisfy((e: unknown) => e instanceof CodedError && e.code === ErrorCode.NotFound);
    } finally {
      await graph.stop();
    }
  });

  it('lists the whole business only where the user administers or schedules it', async () => {
    const graph = await startLocalGraph();
    try {
      const service = (login: string) => serviceOver(gatewayFor(graph, { login }), () => new Date());
      const adele = service('AdeleV@contoso.onmicrosoft.com');
      const mine = await adele.upcoming(acting);
      const business = await adele.upcoming(acting, undefined, 'business');
      if (mine.kind !== 'appointments' || business.kind !== 'appointments') throw new Error('expected lists');
      expect(mine).toMatchObject({ scope: 'mine', canSeeWholeBusiness: true });
      expect(business.scope).toBe('business');
      // More in Contoso (administrator), the same in Fabrikam (team member).
      const count = (list: typeof mine, id: string) => list.appointments.filter((a) => a.businessId === id).length;
      expect(count(business, CONTOSO)).toBeGreaterThan(count(mine, CONTOSO));
      expect(count(business, FABRIKAM)).toBe(count(mine, FABRIKAM));
      const alex = await service('AlexW@contoso.onmicrosoft.com').upcoming(acting, undefined, 'business');
      expect(alex).toMatchObject({ canSeeWholeBusiness: false });
    } finally {
      await graph.stop();
    }
  });

  it('shows one business by id or by part of its name, all for a stale id, and says when a name matches none', async () => {
    const graph = await startLocalGraph();
    try {
      const adele = serviceOver(gatewayFor(graph), () => new Date());
      const byId = await adele.upcoming(acting, undefined, 'mine', { id: FABRIKAM.toUpperCase() });
      const byName = await adele.upcoming(acting, undefined, 'mine', { name: 'wellness' });
      const stale = await adele.upcoming(acting, undefined, 'mine', { id: 'Gone@contoso.onmicrosoft.com' });
      const none = await adele.upcoming(acting, undefined, 'mine', { name: 'northwind' });
      for (const result of [byId, byName]) {
        if (result.kind !== 'appointments') throw new Error('expected a list');
        expect(result.business?.id).toBe(FABRIKAM);
        expect(new Set(result.appointments.map((a) => a.businessId))).toEqual(new Set([FABRIKAM]));
        expect(result.businesses.map((b) => b.id).sort()).toEqual([CONTOSO, FABRIKAM].sort());
      }
      expect(stale).toMatchObject({ kind: 'appointments', business: undefined });
      expect(none).toMatchObject({ kind: 'noSuchBusiness', name: 'northwind', businesses: [expect.objectContaining({ id: CONTOSO }), expect.objectContaining({ id: FABRIKAM })] });
    } finally {
      await graph.stop();
    }
  });

  it('refuses a viewer before sending anything, and marks their appointments look-only', async () => {
    const graph = await startLocalGraph();
    try {
      const viewer = serviceOver(gatewayFor(graph, { login: 'AlexW@contoso.onmicrosoft.com' }), () => new Date());
      const result = await viewer.upcoming(acting);
      const appointments = result.kind === 'appointments' ? result.appointments : [];
      expect(appointments.length).toBeGreaterThan(0);
      expect(appointments.every((a) => !a.canCancel)).toBe(true);
      await expect(viewer.cancel(acting, CONTOSO, appointments[0]!.id, 'Sorry')).rejects.toSatisfy((e: unknown) => e instanceof CodedError && e.code === ErrorCode.Forbidden);
      expect(graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toEqual([]);
    } finally {
      await graph.stop();
    }
  });
});

describe('BookingsService when another turn holds the cancel (another instance, a re-delivered invoke)', () => {
  const claimBy = (attemptId: string, leaseUntil: number, appointment: UpcomingAppointment) => ({
    state: 'attempted' as const,
    attemptId,
    leaseUntil,
    cancellationMessage: 'First',
    at: new Date().toISOString(),
    appointment: storeAppointment(appointment),
  });

  it('waits for that turn instead of sending its own cancel, and says "in progress" if it does not finish in time', async () => {
    const graph = await startLocalGraph();
    try {
      const ledger = new StorageCancelLedger(memoryStorage());
      const audited: AuditEntry[] = [];
      const service = serviceOver(gatewayFor(graph), () => new Date(), audited, ledger, { awaitOtherTurnMs: 300, pollMs: 50 });
      const result = await service.upcoming(acting);
      const target = result.kind === 'appointments' ? result.appointments[0]! : undefined!;
      expect(await ledger.claim(`cancel/${target.businessId.toLowerCase()}/${target.id}`, claimBy('other-instance', Date.now() + 60_000, target))).toBe(true);
      await expect(service.cancel(acting, target.businessId, target.id, 'Second', target)).rejects.toMatchObject({ code: ErrorCode.CancelInProgress });
      expect(graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toEqual([]);
      expect(audited).toMatchObject([{ outcome: 'failed', errorCode: ErrorCode.CancelInProgress }]);
    } finally {
      await graph.stop();
    }
  });

  it('waits for that turn only until its own deadline, however long its reads took (Teams answers no invoke after 15 s)', async () => {
    const graph = await startLocalGraph();
    try {
      const ledger = new StorageCancelLedger(memoryStorage());
      // The first ledger read takes most of the budget; meanwhile another instance claims the cancel and keeps it.
      let reads = 0;
      const slowFirstRead = { ...bound(ledger), get: async (key: string) => (reads++ === 0 ? sleep(600).then(() => ledger.get(key)) : ledger.get(key)) };
      const service = serviceOver(gatewayFor(graph), () => new Date(), [], slowFirstRead, cancelTimingFor(12_000));
      const result = await service.upcoming(acting);
      const target = result.kind === 'appointments' ? result.appointments[0]! : undefined!;
      const started = performance.now();
      const confirm = service.cancel({ ...acting, deadline: started + 1_000 }, target.businessId, target.id, 'Second', target);
      expect(await ledger.claim(`cancel/${target.businessId.toLowerCase()}/${target.id}`, claimBy('other-instance', Date.now() + 60_000, target))).toBe(true);
      await expect(confirm).rejects.toMatchObject({ code: ErrorCode.CancelInProgress });
      // Its deadline was 1 s after it started; without one it waits the full 8 s the timing allows.
      expect(performance.now() - started).toBeLessThan(2_500);
      expect(graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toEqual([]);
    } finally {
      await graph.stop();
    }
  });

  it("answers by the turn's deadline when the ledger's storage stops answering, and sends no cancel", async () => {
    const graph = await startLocalGraph();
    try {
      const ledger = new StorageCancelLedger(memoryStorage());
      // Storage that accepts the read and never answers (an account black-holed mid-turn).
      const hanging = { ...bound(ledger), get: () => new Promise<never>(() => undefined) };
      const service = serviceOver(gatewayFor(graph), () => new Date(), [], hanging);
      const result = await service.upcoming(acting);
      const target = result.kind === 'appointments' ? result.appointments[0]! : undefined!;
      const started = performance.now();
      // Whatever comes first: the answer, or word that there still is none 3 s later (well past the 0.5 s deadline).
      const answer = await Promise.race([
        service.cancel({ ...acting, deadline: started + 500 }, target.businessId, target.id, 'Sorry').catch((error: unknown) => error),
        sleep(3_000).then(() => 'no answer after 3 s'),
      ]);
      expect(answer).toMatchObject({ code: ErrorCode.Timeout });
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toEqual([]);
    } finally {
      await graph.stop();
    }
  });

  it('takes over an attempt whose turn stopped (lease over) and the appointment still exists: one cancel, audited as its own', async () => {
    const graph = await startLocalGraph();
    try {
      const ledger = new StorageCancelLedger(memoryStorage());
      const audited: AuditEntry[] = [];
      const service = serviceOver(gatewayFor(graph), () => new Date(), audited, ledger);
      const result = await service.upcoming(acting);
      const target = result.kind === 'appointments' ? result.appointments[0]! : undefined!;
      await ledger.claim(`cancel/${target.businessId.toLowerCase()}/${target.id}`, claimBy('crashed-before-post', Date.now() - 1, target));
      const outcome = await service.cancel(acting, target.businessId, target.id, 'Second', target);
      expect(outcome.cancellationMessage).toBe('Second');
      expect(graph.store.cancellations).toHaveLength(1);
      expect(audited).toMatchObject([{ outcome: 'cancelled', graphRequestId: expect.any(String) }]);
      expect(audited[0]!.attemptId).not.toBe('crashed-before-post');
      // AUDIT_MESSAGES is off by default: no message text in the trail.
      expect(audited[0]!.cancellationMessage).toBeUndefined();
    } finally {
      await graph.stop();
    }
  });

  it("answers with another turn's outcome when that turn's cancel lands between this one's ledger read and its GET (404)", async () => {
    const graph = await startLocalGraph();
    try {
      const ledger = new StorageCancelLedger(memoryStorage());
      const audited: AuditEntry[] = [];
      // Two instances: nothing in memory is shared, only the ledger.
      const [first, late] = [serviceOver(gatewayFor(graph), () => new Date(), audited, ledger), serviceOver(gatewayFor(graph), () => new Date(), audited, ledger)];
      const result = await first.upcoming(acting);
      const target = result.kind === 'appointments' ? result.appointments[0]! : undefined!;
      graph.faults.add({ method: 'GET', pathIncludes: `/appointments/${target.id}`, delayMs: 800 });
      const slow = late.cancel(acting, target.businessId, target.id, 'Second');
      await expect.poll(() => graph.requests.some((r) => r.method === 'GET' && decodeURIComponent(r.path).includes(target.id))).toBe(true);
      expect((await first.cancel(acting, target.businessId, target.id, 'First', target)).cancellationMessage).toBe('First');
      expect((await slow).cancellationMessage).toBe('First');
      expect(graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toHaveLength(1);
      expect(audited.map((e) => e.outcome)).toEqual(['cancelled', 'repeated']);
    } finally {
      await graph.stop();
    }
  });

  it('keeps the message text in the audit trail only with AUDIT_MESSAGES=true', async () => {
    const graph = await startLocalGraph();
    try {
      const audited: AuditEntry[] = [];
      const service = serviceOver(gatewayFor(graph), () => new Date(), audited, undefined, { auditMessages: true });
      const result = await service.upcoming(acting);
      const target = result.kind === 'appointments' ? result.appointments[0]! : undefined!;
      await service.cancel(acting, target.businessId, target.id, '  Sorry, closed.  ', target);
      await service.cancel(acting, target.businessId, target.id, 'Sorry again', target);
      expect(audited).toMatchObject([
        { outcome: 'cancelled', cancellationMessage: 'Sorry, closed.' },
        { outcome: 'repeated', cancellationMessage: 'Sorry again' },
      ]);
    } finally {
      await graph.stop();
    }
  });
});
