import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Payloads sealed for a round trip through a card (the cancel grants): deflated, base64url, with an HMAC-SHA256 under
 * a key that every instance has and a card's reader does not, and a purpose of their own, so one kind of seal never
 * opens as another. Only a payload whose MAC holds is inflated, and never past `maxBytes`.
 */
export class SealedPayloads {
  constructor(
    private readonly key: Buffer,
    /** Part of what is signed: e.g. "bookings-bot cancel grant v2". */
    private readonly purpose: string,
    private readonly maxBytes: number,
  ) {}

  seal(payload: object): string {
    const body = deflateRawSync(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The payload, if `sealed` is one this sealed; anything forged, altered or malformed is nothing. */
  open(sealed: string | undefined): unknown {
    const [body, mac, extra] = (sealed ?? '').split('.');
    if (!body || !mac || extra !== undefined || !this.sameMac(mac, this.mac(body))) return undefined;
    try {
      return JSON.parse(inflateRawSync(Buffer.from(body, 'base64url'), { maxOutputLength: this.maxBytes }).toString('utf8')) as unknown;
    } catch {
      // Signed by us yet unreadable (only a changed format could do it): worth nothing, like a forged one.
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(`${this.purpose}|${body}`).digest('base64url');
  }

  private sameMac(given: string, expected: string): boolean {
    const [a, b] = [Buffer.from(given), Buffer.from(expected)];
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
