import { readFileSync } from 'node:fs';
import type { Storage } from 'botbuilder';
import { sanitizeBlobKey } from 'botbuilder-azure-blobs/lib/sanitizeBlobKey.js';
import { describe, expect, it } from 'vitest';
import { derivedKey } from '../../src/auth/derivedKey.js';
import { CodedError, ErrorCode } from '../../src/bookings/errors.js';
import { BlobStateStorage } from '../../src/storage/blobStateStorage.js';
import { ExpiringMemoryStorage } from '../../src/storage/expiringMemoryStorage.js';
import { KEY_ROOT_KEY, processKeyRoot, SharedKeyRoot } from '../../src/storage/storageKeyRoot.js';
import { StorageTokenCache } from '../../src/storage/storageTokenCache.js';
import { azuriteForSuite } from '../helpers/suiteAzurite.js';

const azurite = azuriteForSuite();

let container = 0;
/** Each test gets its own shared storage; `instance()` is one more bot process on it (its own client, same data). */
const sharedStorages: Record<string, () => { instance: () => Storage }> = {
  memory: () => {
    const memory = new ExpiringMemoryStorage(60_000);
    return { instance: () => memory };
  },
  blob: () => {
    const name = `keys-${++container}`;
    return { instance: () => new BlobStateStorage(azurite.connectionString, name) };
  },
};

describe.each(Object.keys(sharedStorages))('the shared key root on %s storage', (kind) => {
  it('is created once by whichever of several starting instances comes first, and every instance reads the same', async () => {
    const shared = sharedStorages[kind]!();
    const roots = await Promise.all(Array.from({ length: 6 }, () => new SharedKeyRoot(shared.instance()).load()));
    expect(new Set(roots).size).toBe(1);
    expect(Buffer.from(roots[0]!, 'base64')).toHaveLength(32);
    // An instance started later, and a restart, read it again: nothing to set, nothing to rotate.
    expect(await new SharedKeyRoot(shared.instance()).load()).toBe(roots[0]);
  });

  it('gives instances the same derived keys: a Graph token one sealed, another opens; a grant one signed, another verifies', async () => {
    const shared = sharedStorages[kind]!();
    const [a, b] = [shared.instance(), shared.instance()];
    const [rootA, rootB] = await Promise.all([new SharedKeyRoot(a).load(), new SharedKeyRoot(b).load()]);
    const token = { accessToken: 'graph-token-of-adele', renewAt: Date.now() + 600_000, expiresAt: Date.now() + 900_000 };
    await new StorageTokenCache(a, rootA).set('tenant.adele', token, Date.now());
    expect(await new StorageTokenCache(b, rootB).get('tenant.adele')).toEqual(token);
    expect(derivedKey(rootA, 'cancel grant v2').equals(derivedKey(rootB, 'cancel grant v2'))).toBe(true);
    // A root of another process (memory mode, one instance) opens nothing of theirs.
    expect(await new StorageTokenCache(b, processKeyRoot()).get('tenant.adele')).toBeUndefined();
    expect(derivedKey(processKeyRoot(), 'cancel grant v2').equals(derivedKey(rootA, 'cancel grant v2'))).toBe(false);
  });

  it('never replaces a stored root it cannot read: a coded error naming the item, and the item left as it was', async () => {
    const shared = sharedStorages[kind]!();
    const storage = shared.instance();
    await storage.write({ [KEY_ROOT_KEY]: { root: 'c2hvcnQ=', createdAt: '2026-12-01T00:00:00.000Z' } });
    const failure = await new SharedKeyRoot(storage).load().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodedError);
    expect(failure).toMatchObject({ code: ErrorCode.Internal, message: expect.stringContaining(KEY_ROOT_KEY) });
    expect((await storage.read([KEY_ROOT_KEY]))[KEY_ROOT_KEY]).toMatchObject({ root: 'c2hvcnQ=' });
  });
});

describe('the key root is kept for good', () => {
  it('carries no expiry, and no lifecycle rule of infra/storage.bicep deletes its blob', async () => {
    const memory = new ExpiringMemoryStorage(60_000);
    const written: Record<string, unknown>[] = [];
    const recording: Storage = { read: (keys) => memory.read(keys), delete: (keys) => memory.delete(keys), write: (changes) => (written.push(...(Object.values(changes) as Record<string, unknown>[])), memory.write(changes)) };
    await new SharedKeyRoot(recording).load();
    expect(written).toHaveLength(1);
    expect(Object.keys(written[0]!).sort()).toEqual(['createdAt', 'eTag', 'root']);
    const bicep = readFileSync(new URL('../../infra/storage.bicep', import.meta.url), 'utf8');
    const prefixes = [...bicep.matchAll(/'\$\{containerName\}\/([^']+)'/g)].map((m) => m[1]!);
    expect(prefixes.length).toBeGreaterThan(0);
    for (const prefix of prefixes) expect(sanitizeBlobKey(KEY_ROOT_KEY).startsWith(prefix), prefix).toBe(false);
  });
});
