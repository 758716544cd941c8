/** A Graph token as the bot caches it. */
export interface CachedGraphToken {
  accessToken: string;
  /** When to exchange again (epoch ms): a few minutes before expiry, as MSAL does. */
  renewAt: number;
  expiresAt: number;
  /**
   * The channel's id for the user (Teams: 29:…) whose Token Service token was exchanged for this one: a turn without
   * the user's token may use it only as that same channel user (see OboTokenProvider.hasFreshToken).
   */
  channelUser?: string;
}

/**
 * Graph tokens shared by every instance, one partition per user (tenant id and object id): a click served by
 * another instance, or after the Token Service renewed the user's token, needs no new exchange.
 */
export interface SharedTokenCache {
  get(partition: string): Promise<CachedGraphToken | undefined>;
  set(partition: string, token: CachedGraphToken): Promise<void>;
  delete(partition: string): Promise<void>;
}
