import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Storage } from 'botbuilder';
import type { CachedGraphToken, SharedTokenCache } from '../auth/sharedTokenCache.js';
import { type Expiring, isLive } from './expiry.js';

interface StoredToken extends Expiring {
  /** AES-256-GCM of the token, with a key derived from the user's token: storage alone cannot reveal it. */
  sealed: string;
  iv: string;
  tag: string;
  renewAt: number;
  userObjectId?: string;
}

/**
 * The shared Graph-token cache on botbuilder's Storage: one item per user token (`graphTokens/<hash>`), expiring
 * with the Graph token. The Graph token is encrypted with a key derived (HKDF) from the user's token, so the
 * storage account holds nothing usable by itself, and the key never leaves the turn that presents that token.
 */
export class StorageTokenCache implements SharedTokenCache {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  async get(partition: string, userToken: string): Promise<CachedGraphToken | undefined> {
    const key = keyOf(partition);
    const item = (await this.storage.read([key]))[key] as StoredToken | undefined;
    if (!item || !isLive(item, this.now())) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', keyFor(userToken), Buffer.from(item.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(item.tag, 'base64'));
    const accessToken = Buffer.concat([decipher.update(Buffer.from(item.sealed, 'base64')), decipher.final()]).toString('utf8');
    return { accessToken, renewAt: item.renewAt, expiresAt: item.expiresAt!, userObjectId: item.userObjectId };
  }

  async set(partition: string, userToken: string, token: CachedGraphToken): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyFor(userToken), iv);
    const sealed = Buffer.concat([cipher.update(token.accessToken, 'utf8'), cipher.final()]);
    const item: StoredToken = {
      sealed: sealed.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      renewAt: token.renewAt,
      expiresAt: token.expiresAt,
      userObjectId: token.userObjectId,
    };
    await this.storage.write({ [keyOf(partition)]: { ...item, eTag: '*' } });
  }
}

function keyOf(partition: string): string {
  return `graphTokens/${partition}`;
}

function keyFor(userToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', userToken, 'bookings-bot', 'graph token cache v1', 32));
}
