import { azuriteForSuite } from '../helpers/suiteAzurite.js';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { ContainerClient } from '@azure/storage-blob';
import type { Storage } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { BlobAuditSink } from '../../src/audit/blobAuditSink.js';
import { CodedError, ErrorCode } from '../../src/bookings/errors.js';
import { BlobStateStorage } from '../../src/storage/blobStateStorage.js';
import { ExpiringMemoryStorage } from '../../src/storage/expiringMemoryStorage.js';
import { StorageCancelLedger } from '../../src/storage/storageCancelLedger.js';
import { StorageTokenCache } from '../../src/storage/storageTokenCache.js';
import { StorageWriteConflict } from '../../src/storage/writeConflict.js';
import { Azurite } from '../helpers/standins/azurite.js';

const azurite = azuriteForSuite();

let container = 0;
/** Each test gets its own container, so tests do not see each other's blobs. */
const storages: Record<string, () => Storage> = {
  memory: () => new ExpiringMemoryStorage(60_000),
  blob: () => new BlobStateStorage(azurite.connectionString, `state-${++container}`),
};

const record = (attemptId: string) => ({ state: 'attempted' as const, attemptId, leaseUntil: 0, cancellationMessage: '很抱歉，厨房那天关门', at: '2026-11-27T10:00:00.000Z', appointment: {} as never });

describe('the cancel ledger when a write fails for a reason other than a conflict', () => {
  /** The same storage, except that its writes fail as a bug would (a TypeError) and write nothing. */
  const brokenWrites = (storage: Storage): Storage => ({ read: (keys) => storage.read(keys), delete: (keys) => storage.delete(keys), write: () => Promise.reject(new TypeError('x is undefined')) });

  it('throws the failure instead of answering "another turn won", for a first claim and for a takeover', async () => {
    const memory = new ExpiringMemoryStorage(60_000);
    const broken = new StorageCancelLedger(brokenWrites(memory));
    await expect(broken.claim('cancel/b/a', record('mine'))).rejects.toThrow(TypeError);
    const working = new StorageCancelLedger(memory);
    await working.claim('cancel/b/a', record('crashed'));
    const found = (await working.get('cancel/b/a'))!;
    await expect(broken.claim('cancel/b/a', record('mine'), found.version)).rejects.toThrow(TypeError);
    // A real conflict is still one: another turn's record where this claim found none.
    await expect(working.claim('cancel/b/a', record('late'))).resolves.toBe(false);
  });
});

describe.each(Object.keys(storages))('%s storage, as the bot uses it', (kind) => {
  it('writes, reads (with an eTag), replaces only at the version read, and deletes', async () => {
    const storage = storages[kind]!();
    await storage.write({ 'preferences/business/29:a': { business: 'all' } });
    const read = (await storage.read(['preferences/business/29:a', 'missing']))['preferences/business/29:a'] as { business: string; eTag: string };
    expect(read).toMatchObject({ business: 'all', eTag: expect.any(String) });
    await storage.write({ 'preferences/business/29:a': { business: 'x', eTag: read.eTag } });
    await expect(storage.write({ 'preferences/business/29:a': { business: 'y', eTag: read.eTag } })).rejects.toBeInstanceOf(StorageWriteConflict);
    await storage.delete(['preferences/business/29:a']);
    expect(await storage.read(['preferences/business/29:a'])).toEqual({});
  });

  it('lets exactly one of several concurrent write-once claims through (what token-exchange de-duplication relies on)', async () => {
    const storage = storages[kind]!();
    const results = await Promise.allSettled(['id-1', 'id-1', 'id-2', 'id-3'].map((eTag) => storage.write({ 'msteams/conv/exchange': { eTag } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(StorageWriteConflict);
      // botbuilder's TeamsSSOTokenExchangeMiddleware knows a duplicate exchange only by this text.
      expect((r.reason as Error).message.toLowerCase()).toContain('etag conflict');
    }
  });

  it('gives one cancel claim to exactly one of ten concurrent turns, and a stale version loses', async () => {
    const ledger = new StorageCancelLedger(storages[kind]!());
    const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.claim('cancel/contoso/AAMk=', record(`attempt-${i}`))));
    expect(wins.filter(Boolean)).toHaveLength(1);
    const entry = (await ledger.get('cancel/contoso/AAMk='))!;
    expect(entry.record.attemptId).toBe(`attempt-${wins.indexOf(true)}`);
    expect(entry.record.cancellationMessage).toBe('很抱歉，厨房那天关门');
    expect(await ledger.claim('cancel/contoso/AAMk=', record('takeover-1'), entry.version)).toBe(true);
    expect(await ledger.claim('cancel/contoso/AAMk=', record('takeover-2'), entry.version)).toBe(false);
  });

  it('shares Graph tokens per user, encrypted with the bot credential: the storage alone reveals none', async () => {
    const storage = storages[kind]!();
    const cache = new StorageTokenCache(storage, 'the-bot-client-secret');
    const token = { accessToken: 'eyJ.graph-token-of-adele', renewAt: Date.now() + 60_000, expiresAt: Date.now() + 360_000 };
    await cache.set('tenant.adele', token, Date.now());
    expect(await new StorageTokenCache(storage, 'the-bot-client-secret').get('tenant.adele')).toEqual(token);
    expect(JSON.stringify(await storage.read(['graphTokens/tenant.adele']))).not.toContain('graph-token-of-adele');
    // After the credential is rotated, old entries are misses, not errors.
    expect(await new StorageTokenCache(storage, 'a-rotated-secret').get('tenant.adele')).toBeUndefined();
    await cache.delete('tenant.adele');
    expect(await cache.get('tenant.adele')).toBeUndefined();
  });

  it('keeps a sign-out: an exchange begun before it stores nothing, one begun after it does, and an expired entry is replaced', async () => {
    const storage = storages[kind]!();
    let now = Date.now();
    const cache = new StorageTokenCache(storage, 'the-bot-client-secret', () => now);
    const token = (accessToken: string) => ({ accessToken, renewAt: now + 60_000, expiresAt: now + 120_000 });
    const began = now;
    await cache.set('tenant.adele', token('eyJ.first'), began);
    now += 1_000;
    await cache.signedOut('tenant.adele', now);
    expect(await cache.get('tenant.adele')).toBeUndefined();
    // An exchange that was under way when she signed out (on another instance) ends now.
    expect(await cache.set('tenant.adele', token('eyJ.late'), began)).toBe(false);
    expect(await cache.get('tenant.adele')).toBeUndefined();
    // She signs in again.
    now += 1_000;
    expect(await cache.set('tenant.adele', token('eyJ.again'), now)).toBe(true);
    expect((await cache.get('tenant.adele'))?.accessToken).toBe('eyJ.again');
    // Graph refusing that token forgets it, and a later sign-out mark is not taken with it.
    now += 1_000;
    await cache.signedOut('tenant.adele', now);
    await cache.delete('tenant.adele');
    expect(await cache.set('tenant.adele', token('eyJ.late-again'), now - 500)).toBe(false);
    // Much later her token has expired; the next exchange replaces the expired entry.
    now += 3_600_000;
    expect(await cache.get('tenant.adele')).toBeUndefined();
    expect(await cache.set('tenant.adele', token('eyJ.next'), now)).toBe(true);
    expect((await cache.get('tenant.adele'))?.accessToken).toBe('eyJ.next');
  });

  it('reads a token moved to another user\'s entry, or with the fields beside it altered, as missing', async () => {
    const storage = storages[kind]!();
    const cache = new StorageTokenCache(storage, 'the-bot-client-secret');
    await cache.set('tenant.adele', { accessToken: 'eyJ.graph-token-of-adele', renewAt: Date.now() + 60_000, expiresAt: Date.now() + 360_000, channelUser: '29:adele' }, Date.now());
    const sealed = (await storage.read(['graphTokens/tenant.adele']))['graphTokens/tenant.adele'] as Record<string, unknown>;
    const item = { ...sealed, eTag: undefined };
    // Someone with write access to the container copies Adele's entry into Lee's, or makes it usable by their own id.
    await storage.write({ 'graphTokens/tenant.lee': { ...item, eTag: '*' } });
    expect(await cache.get('tenant.lee')).toBeUndefined();
    await storage.write({ 'graphTokens/tenant.adele': { ...item, channelUser: '29:mallory', eTag: '*' } });
    expect(await cache.get('tenant.adele')).toBeUndefined();
    await storage.write({ 'graphTokens/tenant.adele': { ...item, eTag: '*' } });
    expect((await cache.get('tenant.adele'))?.channelUser).toBe('29:adele');
  });
});

describe('ExpiringMemoryStorage', () => {
  it('forgets items past their expiresAt, and gives items without one a default lifetime', async () => {
    let now = 1_000;
    const storage = new ExpiringMemoryStorage(500, () => now);
    await storage.write({ pending: { expiresAt: 2_000 }, dedupe: { eTag: 'exchange-1' } });
    expect(storage.size).toBe(2);
    now = 1_600;
    expect(storage.evictExpired()).toBe(1);
    expect(Object.keys(await storage.read(['pending', 'dedupe']))).toEqual(['pending']);
    // A write-once of an expired key succeeds again.
    now = 2_500;
    await storage.write({ pending: { eTag: 'again' } });
    expect(storage.size).toBe(1);
    storage.close();
  });
});

describe('BlobStateStorage when storage is unreachable', () => {
  it('fails fast with one coded error, and works again (container included) once storage is back', async () => {
    const outage = new Azurite();
    await outage.start();
    const storage = new BlobStateStorage(outage.connectionString, 'comes-back');
    await outage.stop();
    const started = performance.now();
    await expect(storage.write({ k: { v: 1 } })).rejects.toSatisfy((e: unknown) => e instanceof CodedError && e.code === ErrorCode.StorageUnavailable);
    await expect(storage.write({ k: { eTag: 'claim' } })).rejects.toSatisfy((e: unknown) => e instanceof CodedError && e.code === ErrorCode.StorageUnavailable);
    expect(performance.now() - started).toBeLessThan(10_000);
    await outage.start();
    try {
      await storage.write({ k: { v: 2 } });
      expect(await storage.read(['k'])).toMatchObject({ k: { v: 2 } });
      expect(await new ContainerClient(outage.connectionString, 'comes-back').exists()).toBe(true);
    } finally {
      await outage.stop();
    }
  });
});

describe('BlobStateStorage when storage hangs', () => {
  it('gives up on an account that accepts connections but never answers, with the coded error, within its deadline', async () => {
    const sockets: Socket[] = [];
    let closing = false;
    const blackHole = createServer((socket) => (closing ? socket.destroy() : void sockets.push(socket)));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as AddressInfo;
    try {
      const azuriteLike = azurite.connectionString.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);
      const storage = new BlobStateStorage(azuriteLike, 'hangs');
      // The SDK's try timeout is only a hint to the server: without the storage deadline (3 s) the read would hang
      // for as long as TCP allows.
      let started = performance.now();
      await expect(storage.read(['k'])).rejects.toSatisfy((e: unknown) => e instanceof CodedError && e.code === ErrorCode.StorageUnavailable);
      expect(performance.now() - started).toBeLessThan(5_000);
      // The audit trail's appends have the same deadline (their entries then wait in memory).
      started = performance.now();
      await expect(new BlobAuditSink(azuriteLike, 'hangs').append([])).rejects.toThrow(/did not answer/);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      closing = true;
      sockets.forEach((s) => s.destroy());
      blackHole.close();
    }
  }, 20_000);
});
