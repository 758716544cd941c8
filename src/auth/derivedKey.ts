import { hkdfSync } from 'node:crypto';

/**
 * A 256-bit key for one purpose, derived (HKDF-SHA256) from the bot's own credential (its client secret or
 * certificate key): every instance of the bot has the same one, and nobody without the credential can make it.
 */
export function derivedKey(credential: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', credential, 'bookings-bot', purpose, 32));
}
