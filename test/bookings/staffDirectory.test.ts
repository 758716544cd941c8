import type { Acting } from '../../src/bookings/types.js';
import type { Storage } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodedError, ErrorCode } from '../../src/bookings/errors.js';
import { StaffDirectory, userKeyOf } from '../../src/bookings/staffDirectory.js';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { ExpiringMemoryStorage } from '../../src/storage/expiringMemoryStorage.js';
import { StoragePlacesCache } from '../../src/storage/storagePlacesCache.js';
import { ADELE, ALEX_VIEWER, CONTOSO, FABRIKAM, gatewayFor, NORTHWIND, startLocalGraph } from '../helpers/localGraph.js';

const acting: Acting = { user: { id: '29:user', aadObjectId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', tenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' } };
const unreachable = (): never => {
  throw new CodedError(ErrorCode.StorageUnavailable, 'Blob storage failed');
};
/** Storage whose account cannot be reached: every operation fails with the coded error the Blob storage raises. */
const downStorage: Storage = { read: () => Promise.resolve(unreachable()), write: () => Promise.resolve(unreachable()), delete: () => Promise.resolve(unreachable()) };

describe('StaffDirectory against the local Graph service', () => {
  let graph: LocalGraphService;
  beforeEach(async () => {
    graph = await startLocalGraph();
  });
  afterEach(async () => {
    await graph.stop();
  });
  const staffReads = () => graph.requests.filter((r) => r.path.endsWith('/staffMembers')).length;

  it("finds the user's places among the tenant's businesses, with their role in each", async () => {
    const directory = new StaffDirectory(gatewayFor(graph, { login: ADELE }), new StoragePlacesCache(new ExpiringMemoryStorage(60_000), 60_000));
    const { places } = await directory.placesOf(acting);
    expect(places.map((p) => [p.business.id, p.me.role])).toEqual([
      [CONTOSO, 'administrator'],
      [FABRIKAM, 'teamMember'],
    ]);
    expect(staffReads()).toBe(3);
  });

  it("remembers of each business only its staff's names and the user's own record: no colleague's address or role", async () => {
    const storage = new ExpiringMemoryStorage(60_000);
    const directory = new StaffDirectory(gatewayFor(graph, { login: ADELE }), new StoragePlacesCache(storage, 60_000));
    await directory.placesOf(acting);
    const [stored] = Object.values(await storage.read([`places/${userKeyOf(acting.user)}`]));
    const contoso = (stored as { placesWithNames: { places: { business: { id: string }; staffNames: Record<string, string> }[] } }).placesWithNames.places.find((p) => p.business.id === CONTOSO)!;
    expect(Object.values(contoso.staffNames)).toContain('Lee Gu');
    expect(JSON.stringify(contoso.staffNames)).not.toMatch(/@|administrator|teamMember/);
    expect(JSON.stringify(stored)).not.toMatch(/LeeG@/i);
  });

  it('reads a place remembered by an older version (a whole roster, under another field) as nothing remembered', async () => {
    const storage = new ExpiringMemoryStorage(60_000);
    const directory = new StaffDirectory(gatewayFor(graph, { login: ADELE }), new StoragePlacesCache(storage, 60_000));
    const key = `places/${userKeyOf(acting.user)}`;
    await storage.write({ [key]: { places: { person: { id: 'x', displayName: 'Adele', emailAddresses: [] }, places: [] }, expiresAt: Date.now() + 60_000 } });
    const { places } = await directory.placesOf(acting);
    expect(places.map((p) => p.business.id)).toEqual([CONTOSO, FABRIKAM]);
    expect(staffReads()).toBe(3);
  });

  it('reads one business, not the tenant, for a click when nothing is remembered; nowhere staff is no place', async () => {
    const directory = new StaffDirectory(gatewayFor(graph, { login: ALEX_VIEWER }), new StoragePlacesCache(new ExpiringMemoryStorage(60_000), 60_000));
    expect((await directory.placeOf(acting, CONTOSO)).place?.me.role).toBe('viewer');
    for (const business of [FABRIKAM, NORTHWIND]) {
      const found = await directory.placeOf(acting, business);
      expect(found.place).toBeUndefined();
      expect(found.business).toEqual({ id: business, displayName: business });
    }
    expect(staffReads()).toBe(3);
    expect(graph.requests.some((r) => r.path.endsWith('/bookingBusinesses'))).toBe(false);
  });

  it('goes on without the cache when its storage is down: the places come from Graph, every time', async () => {
    const directory = new StaffDirectory(gatewayFor(graph, { login: ADELE }), new StoragePlacesCache(downStorage, 60_000));
    expect((await directory.placesOf(acting)).places).toHaveLength(2);
    expect((await directory.placesOf(acting)).places).toHaveLength(2);
    await directory.forget(acting.user);
    expect(staffReads()).toBe(6);
  });
});
