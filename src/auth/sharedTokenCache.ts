/** A Graph token as the bot caches it. */
export interface CachedGraphToken {
  accessToken: string;
  /** When to exchange again (epoch ms): a few minutes before expiry, as MSAL does. */
  renewAt: number;
  expiresAt: number;
  userObjectId?: string;
}

/**
 * Graph tokens shared by every instance, partitioned per user token (MSAL's on-behalf-of partition key is also
 * the hash of the incoming assertion): a click served by another instance needs no new exchange. Only a holder
 * of the user's token can read an entry; `partition` is a hash of it.
 */
export interface SharedTokenCache {
  get(partition: string, userToken: string): Promise<CachedGraphToken | undefined>;
  set(partition: string, userToken: string, token: CachedGraphToken): Promise<void>;
}
