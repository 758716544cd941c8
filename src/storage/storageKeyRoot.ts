import { randomBytes, randomUUID } from 'node:crypto';
import type { Storage } from 'botbuilder';
import { CodedError, ErrorCode } from '../bookings/errors.js';
import { StorageWriteConflict } from './writeConflict.js';

/**
 * Where the shared key root lives. No lifecycle rule's prefix matches it (infra/storage.bicep, docs/instances.md),
 * and it carries no `expiresAt`: it is kept for good.
 */
export const KEY_ROOT_KEY = 'keys/root-v1';

const ROOT_BYTES = 32;

interface StoredRoot {
  /** 32 random bytes, base64. */
  root: string;
  createdAt: string;
}

/**
 * The root of the keys every instance derives (HKDF, `derivedKey`) when the bot has no secret of its own to derive
 * them from, as with a managed identity: 32 random bytes, created once in the shared storage by whichever instance
 * comes first (a write-once create: If-None-Match: * on Blob storage) and read back by all, so every instance, then
 * and later, uses the same one. Nobody sets it and nothing rotates it. Returned base64, as `derivedKey` takes it.
 *
 * Deleting the item makes the next instance to start create a new root; instances already running keep the old
 * one until restarted (their cached Graph tokens and open Cancel prompts then no longer verify elsewhere: a new
 * exchange, a prompt shown again).
 */
export class SharedKeyRoot {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async load(): Promise<string> {
    const found = await this.read();
    if (found !== undefined) return found;
    const created: StoredRoot = { root: randomBytes(ROOT_BYTES).toString('base64'), createdAt: this.now().toISOString() };
    try {
      // A caller's own id as eTag is the storage's write-once create; losing it means another instance created it first.
      await this.storage.write({ [KEY_ROOT_KEY]: { ...created, eTag: randomUUID() } });
    } catch (error) {
      if (!(error instanceof StorageWriteConflict)) throw error;
    }
    // Whoever won, the stored root is the one everybody uses.
    const stored = await this.read();
    if (stored === undefined) throw new CodedError(ErrorCode.StorageUnavailable, `The key root ${KEY_ROOT_KEY} was created but cannot be read back`);
    return stored;
  }

  private async read(): Promise<string | undefined> {
    const item = (await this.storage.read([KEY_ROOT_KEY]))[KEY_ROOT_KEY] as Partial<StoredRoot> | undefined;
    if (item === undefined) return undefined;
    if (typeof item.root !== 'string' || Buffer.from(item.root, 'base64').length !== ROOT_BYTES) {
      // Never replaced silently: other instances may hold it. A person deletes it, and every instance restarts.
      throw new CodedError(ErrorCode.Internal, `The key root ${KEY_ROOT_KEY} in the shared storage is not ${ROOT_BYTES} bytes of base64; delete it and restart every instance`);
    }
    return item.root;
  }
}

/** One instance, state in its own memory: a root of its own, new at every start (nothing outlives the process anyway). */
export function processKeyRoot(): string {
  return randomBytes(ROOT_BYTES).toString('base64');
}
