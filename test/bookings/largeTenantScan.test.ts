import type { Acting } from '../../src/bookings/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { StaffDirectory, userKeyOf } from '../../src/bookings/staffDirectory.js';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { ExpiringMemoryStorage } from '../../src/storage/expiringMemoryStorage.js';
import { StoragePlacesCache } from '../../src/storage/storagePlacesCache.js';
import { gatewayFor, startLocalGraph } from '../helpers/localGraph.js';
import { PAT, patsTenant } from '../helpers/patsTenant.js';

const NOW = new Date('2026-03-02T08:00:00Z');
/** Pat's three businesses among the tenant's 500, spread across it. */
const PATS = [37, 211, 463];
const acting: Acting = { user: { id: '29:pat', aadObjectId: PAT.id, tenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' } };

/**
 * Finding a user's businesses in a large tenant: every business's staff read as the user (Graph lists the tenant's,
 * not the user's), in JSON batches paced per mailbox, kept as it goes and resumed where it stopped.
 */
describe('a scan of 500 businesses for the three where the user is staff', () => {
  let graph: LocalGraphService;
  afterEach(async () => {
    await graph.stop();
  });
  const start = async (latencyMs: number) => {
    graph = await startLocalGraph({ seed: patsTenant(NOW, PATS).seed, now: () => NOW, latencyMs });
    return gatewayFor(graph, { login: PAT.userPrincipalName });
  };
  const directoryOver = (gateway: ReturnType<typeof gatewayFor>, storage = new ExpiringMemoryStorage(60_000), scanMs = Infinity) =>
    new StaffDirectory(gateway, new StoragePlacesCache(storage, 60_000), { refreshAfterMs: Infinity, scanMs, saveEveryMs: 0, now: Date.now, onScanFailed: () => undefined });
  const staffReads = () => graph.requests.filter((r) => r.path.endsWith('/staffMembers'));
  const batches = () => graph.requests.filter((r) => r.path === '/v1.0/$batch');
  const patsIds = () => PATS.map((i) => graph.store.tenantBusinesses(500)[i]!.id);

  it('reads every business once, in batches of 20, and finds the three', async () => {
    const directory = directoryOver(await start(0));
    const { places, scanning } = await directory.placesOf(acting);
    expect(scanning).toBeUndefined();
    expect(places.map((p) => p.business.id).sort()).toEqual(patsIds().sort());
    expect(staffReads()).toHaveLength(500);
    expect(new Set(staffReads().map((r) => r.path)).size).toBe(500);
    expect(batches()).toHaveLength(25);
  });

  it('answers by its deadline with what it found so far (once it has read something), and completes in the background', async () => {
    const directory = directoryOver(await start(40));
    const known = await directory.placesOf(acting, performance.now() + 10);
    expect(known.scanning).toMatchObject({ total: 500 });
    expect(known.scanning!.checked).toBeGreaterThan(0);
    expect(known.scanning!.checked).toBeLessThan(500);
    await known.scanning!.done;
    const done = await directory.placesOf(acting, performance.now());
    expect(done.scanning).toBeUndefined();
    expect(done.places.map((p) => p.business.id).sort()).toEqual(patsIds().sort());
    expect(staffReads()).toHaveLength(500);
  });

  it('a second list while a scan runs joins it: one scan, not two', async () => {
    const directory = directoryOver(await start(20));
    const [a, b] = await Promise.all([directory.placesOf(acting), directory.placesOf(acting)]);
    expect(a.places).toHaveLength(3);
    expect(b.places).toHaveLength(3);
    expect(staffReads()).toHaveLength(500);
    expect(graph.requests.filter((r) => r.path.endsWith('/bookingBusinesses'))).toHaveLength(1);
  });

  it('a scan cut short is resumed where it stopped, by another instance sharing the storage: no business read twice', async () => {
    const gateway = await start(100);
    const storage = new ExpiringMemoryStorage(60_000);
    // Signed in first: the local service makes its signing key for the first token, which is no part of the scan.
    await gateway.me(acting);
    // Two rounds of batches fit in the first scan's budget, not all of them.
    const first = directoryOver(gateway, storage, 400);
    await expect(first.placesOf(acting)).rejects.toMatchObject({ code: 'timeout' });
    // Batches the deadline cut off may still be in the service's hands: counted once it is done with them.
    await expect.poll(() => graph.inFlight).toBe(0);
    const readFirst = staffReads().length;
    const kept = await new StoragePlacesCache(storage, 60_000).get(userKeyOf(acting.user));
    const left = kept!.left!.businesses.length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(500);

    const { places, scanning } = await directoryOver(gateway, storage).placesOf(acting);
    expect(scanning).toBeUndefined();
    expect(places.map((p) => p.business.id).sort()).toEqual(patsIds().sort());
    // After the first scan stopped, only what it left is read (batches its deadline cut off included, which may still
    // have been on their way to Graph then), every one of those, and nothing it had recorded as read; no list again.
    const businessOf = (path: string) => decodeURIComponent(/bookingBusinesses\/([^/]+)\/staffMembers$/.exec(path)![1]!);
    const leftIds = new Set(kept!.left!.businesses.map((b) => b.id));
    const readAfter = staffReads().slice(readFirst).map((r) => businessOf(r.path));
    expect(new Set(readAfter)).toEqual(leftIds);
    expect(new Set(staffReads().map((r) => r.path)).size).toBe(500);
    expect(graph.requests.filter((r) => r.path.endsWith('/bookingBusinesses'))).toHaveLength(1);
  });

  it('two instances sharing storage, asked at the same moment, run one scan between them and both answer complete', async () => {
    const gateway = await start(20);
    const storage = new ExpiringMemoryStorage(60_000);
    const [a, b] = await Promise.all([directoryOver(gateway, storage).placesOf(acting), directoryOver(gateway, storage).placesOf(acting)]);
    expect(a.places.map((p) => p.business.id).sort()).toEqual(patsIds().sort());
    expect(b.places.map((p) => p.business.id).sort()).toEqual(patsIds().sort());
    expect(staffReads()).toHaveLength(500);
    expect(graph.requests.filter((r) => r.path.endsWith('/bookingBusinesses'))).toHaveLength(1);
  });

  it("an instance watching another's scan takes it over from where it got when that one stops short", async () => {
    const gateway = await start(100);
    await gateway.me(acting);
    const storage = new ExpiringMemoryStorage(60_000);
    const stopping = directoryOver(gateway, storage, 400).placesOf(acting);
    await expect.poll(() => staffReads().length).toBeGreaterThan(0);
    const watching = directoryOver(gateway, storage).placesOf(acting);
    await expect(stopping).rejects.toMatchObject({ code: 'timeout' });
    const { places, scanning } = await watching;
    expect(scanning).toBeUndefined();
    expect(places.map((p) => p.business.id).sort()).toEqual(patsIds().sort());
    expect(new Set(staffReads().map((r) => r.path)).size).toBe(500);
    // Taken over, not begun again: the tenant was listed once.
    expect(graph.requests.filter((r) => r.path.endsWith('/bookingBusinesses'))).toHaveLength(1);
  });

  it('absorbs 429s: a throttled business is asked again after its Retry-After, and the scan completes', async () => {
    const directory = directoryOver(await start(0));
    graph.faults.add({ pathIncludes: '/staffMembers', status: 429, retryAfterSeconds: 1, times: 7 });
    const { places, scanning } = await directory.placesOf(acting);
    expect(scanning).toBeUndefined();
    expect(places.map((p) => p.business.id).sort()).toEqual(patsIds().sort());
    expect(staffReads()).toHaveLength(507);
  });
});
