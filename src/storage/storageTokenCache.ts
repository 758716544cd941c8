import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { derivedKey } from '../auth/derivedKey.js';
import type { Storage } from 'botbuilder';
import type { CachedGraphToken, SharedTokenCache } from '../auth/sharedTokenCache.js';
import { SIGN_OUT_REMEMBERED_MS } from '../config/durations.js';
import { type Expiring, isLive } from './expiry.js';
import { StorageWriteConflict } from './writeConflict.js';

/** A sign-out, in the user's entry; kept SIGN_OUT_REMEMBERED_MS, longer than any turn whose exchange it must refuse. */
interface SignOutMark extends Expiring {
  signedOutAt: number;
}

/** A token Graph refused, forgotten: unlike a delete, it cannot take a sign-out mark written in between with it. */
interface Forgotten extends Expiring {
  forgottenAt: number;
}

type Entry = StoredToken | SignOutMark | Forgotten;

interface StoredToken extends Expiring {
  /** AES-256-GCM of the Graph token. */
  sealed: string;
  iv: string;
  tag: string;
  renewAt: number;
  channelUser?: string;
}

/**
 * The shared Graph-token cache on botbuilder's Storage: one item per user (`graphTokens/<tenant>.<object id>`),
 * expiring with the Graph token. Tokens are encrypted with a key derived (HKDF) from the bot's own credential, which
 * every instance has and the storage account does not: reading the container alone reveals no token. The partition
 * and the fields stored beside the token are authenticated with it (GCM's additional data), so whoever can write to
 * the container cannot move one user's token into another's entry, or hand it to another channel user. An entry that
 * cannot be decrypted (the credential was rotated, or the entry was altered) counts as missing.
 */
export class StorageTokenCache implements SharedTokenCache {
  private readonly key: Buffer;

  constructor(
    private readonly storage: Storage,
    credential: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = derivedKey(credential, 'graph token cache v1');
  }

  async get(partition: string): Promise<CachedGraphToken | undefined> {
    const { live: item } = await this.entry(partition);
    if (!item || !('sealed' in item)) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(item.iv, 'base64'));
      decipher.setAAD(boundFields(partition, item));
      decipher.setAuthTag(Buffer.from(item.tag, 'base64'));
      const accessToken = Buffer.concat([decipher.update(Buffer.from(item.sealed, 'base64')), decipher.final()]).toString('utf8');
      return { accessToken, renewAt: item.renewAt, expiresAt: item.expiresAt!, channelUser: item.channelUser };
    } catch {
      return undefined;
    }
  }

  async set(partition: string, token: CachedGraphToken, exchangeBegan: number): Promise<boolean> {
    const { live: current, eTag } = await this.entry(partition);
    if (current && 'signedOutAt' in current && current.signedOutAt >= exchangeBegan) return false;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const fields = { renewAt: token.renewAt, expiresAt: token.expiresAt, channelUser: token.channelUser };
    cipher.setAAD(boundFields(partition, fields));
    const sealed = Buffer.concat([cipher.update(token.accessToken, 'utf8'), cipher.final()]);
    const item: StoredToken = { sealed: sealed.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ...fields };
    // Replaces only the entry just read (or creates one where there was none): a sign-out written in between wins.
    try {
      await this.storage.write({ [keyOf(partition)]: { ...item, eTag: eTag ?? randomUUID() } });
      return true;
    } catch (error) {
      if (error instanceof StorageWriteConflict) return false;
      throw error;
    }
  }

  /** Forgets the token read, if the entry still holds it; a sign-out mark stays. */
  async delete(partition: string): Promise<void> {
    const { live, eTag } = await this.entry(partition);
    if (!live || !('sealed' in live) || !eTag) return;
    const forgotten: Forgotten = { forgottenAt: this.now(), expiresAt: live.expiresAt };
    try {
      await this.storage.write({ [keyOf(partition)]: { ...forgotten, eTag } });
    } catch (error) {
      if (!(error instanceof StorageWriteConflict)) throw error;
    }
  }

  async signedOut(partition: string, at: number): Promise<void> {
    const mark: SignOutMark = { signedOutAt: at, expiresAt: at + SIGN_OUT_REMEMBERED_MS };
    await this.storage.write({ [keyOf(partition)]: { ...mark, eTag: '*' } });
  }

  /** The user's entry, a token or a sign-out, if it is still live; and the version read (expired entries have one too). */
  private async entry(partition: string): Promise<{ live?: Entry; eTag?: string }> {
    const key = keyOf(partition);
    const item = (await this.storage.read([key]))[key] as (Entry & { eTag?: string }) | undefined;
    return { live: item && isLive(item, this.now()) ? item : undefined, eTag: item?.eTag };
  }
}

/** What a sealed token is bound to: whose entry it is, and who may use it until when. */
function boundFields(partition: string, item: Pick<StoredToken, 'renewAt' | 'expiresAt' | 'channelUser'>): Buffer {
  return Buffer.from(JSON.stringify([partition, item.channelUser ?? null, item.renewAt, item.expiresAt ?? null]), 'utf8');
}

function keyOf(partition: string): string {
  return `graphTokens/${partition}`;
}
