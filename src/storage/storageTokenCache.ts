import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { derivedKey } from '../auth/derivedKey.js';
import type { Storage } from 'botbuilder';
import type { CachedGraphToken, SharedTokenCache } from '../auth/sharedTokenCache.js';
import { type Expiring, isLive } from './expiry.js';

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
 * every instance has and the storage account does not: reading the container alone reveals no token. An entry that
 * cannot be decrypted (the credential was rotated) counts as missing.
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
    const key = keyOf(partition);
    const item = (await this.storage.read([key]))[key] as StoredToken | undefined;
    if (!item || !isLive(item, this.now())) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(item.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(item.tag, 'base64'));
      const accessToken = Buffer.concat([decipher.update(Buffer.from(item.sealed, 'base64')), decipher.final()]).toString('utf8');
      return { accessToken, renewAt: item.renewAt, expiresAt: item.expiresAt!, channelUser: item.channelUser };
    } catch {
      return undefined;
    }
  }

  async set(partition: string, token: CachedGraphToken): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(token.accessToken, 'utf8'), cipher.final()]);
    const item: StoredToken = {
      sealed: sealed.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      renewAt: token.renewAt,
      expiresAt: token.expiresAt,
      channelUser: token.channelUser,
    };
    await this.storage.write({ [keyOf(partition)]: { ...item, eTag: '*' } });
  }

  async delete(partition: string): Promise<void> {
    await this.storage.delete([keyOf(partition)]);
  }
}

function keyOf(partition: string): string {
  return `graphTokens/${partition}`;
}
