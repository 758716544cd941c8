import type { Activity } from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import { VERIFIED_CHANNEL_TOKEN_MS } from '../../config/durations.js';

/** More distinct valid tokens than a deployment is sent at once; past it the oldest is verified anew. */
const MAX_REMEMBERED = 256;

/**
 * botbuilder verifies the channel's token in full on every activity (a key object built from the published modulus,
 * an RSA signature, the JWT library's claim checks): about a third of a millisecond of CPU per turn, though the
 * channel sends one token for as long as it lives. A passed verification is remembered for exactly what botbuilder
 * checked it against, the Authorization header, the activity's channel id (the key's endorsements) and service URL
 * (the `serviceurl` claim), until the token's own `exp` (botbuilder accepts 5 minutes past it) and for 10 minutes at
 * most. A refused token, or one without `exp`, is verified every time.
 */
export class VerifiedRequests {
  private readonly remembered = new Map<string, { result: AuthenticateRequestResult; untilMs: number }>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  async verify(activity: Activity, authorization: string, verifyInFull: () => Promise<AuthenticateRequestResult>): Promise<AuthenticateRequestResult> {
    // Local mode: no token, nothing verified.
    if (!authorization) return verifyInFull();
    // Not hashed: a SHA-256 of it was a tenth of a turn's inbound CPU, and the token is only good for this bot.
    const key = JSON.stringify([activity.channelId, activity.serviceUrl, authorization]);
    const known = this.remembered.get(key);
    if (known && this.nowMs() < known.untilMs) return known.result;
    this.remembered.delete(key);
    const result = await verifyInFull();
    const exp = result.claimsIdentity.getClaimValue('exp');
    const expiresMs = exp === null ? Number.NaN : Number(exp) * 1000;
    if (expiresMs > this.nowMs()) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
      this.remembered.set(key, { result, untilMs: Math.min(expiresMs, this.nowMs() + VERIFIED_CHANNEL_TOKEN_MS) });
    }
    return result;
  }
}
