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
  /** The user's token; none after they signed out. */
  get(partition: string): Promise<CachedGraphToken | undefined>;
  /**
   * Stores a token obtained by an exchange that began at `exchangeBegan` (epoch ms), unless the user signed out since
   * then (on any instance): an exchange racing a sign-out must not bring the token back. Whether it was stored.
   */
  set(partition: string, token: CachedGraphToken, exchangeBegan: number): Promise<boolean>;
  /** Graph refused the token: drop it. */
  delete(partition: string): Promise<void>;
  /** The user signed out at `at` (epoch ms): drop the token and refuse those of exchanges begun before. */
  signedOut(partition: string, at: number): Promise<void>;
}
