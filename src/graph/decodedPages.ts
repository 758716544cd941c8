/** What the memo reads of an answer: its body, as the bytes that came off the socket. */
export interface PageBytes {
  /** Whether the body is `bytes`, byte for byte. */
  hasBody(bytes: Buffer): boolean;
  /** The body in one buffer of its own. */
  bodyBytes(): Buffer;
}

interface Page {
  bytes: Buffer;
  /** Set the second time the bytes are seen; frozen, since every turn that reads them shares it. */
  json?: unknown;
}

/**
 * Graph pages that came back byte for byte alike, decoded once. Every staff member of a business who lists reads the
 * same calendar page: each still asks Graph with their own token, and Graph still decides whether they may read it;
 * only turning the same bytes into objects again is saved (for a 70 KB page, about 0.2 ms of CPU and its garbage).
 * Since the bytes decide, what one user is shown never comes from what another was answered.
 *
 * A page is kept decoded from the second time its bytes are seen, so a page read once (a business of one staff
 * member) costs a copy of its bytes and nothing more. Least recently used pages go first, past `maxBytes` of them.
 */
export class DecodedPages {
  private readonly pages = new Map<string, Page>();
  private heldBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The JSON of `answer`, read for `key` (which page of what): decoded by `decode` unless these bytes were before. */
  json<A extends PageBytes>(key: string, answer: A, decode: (answer: A) => unknown): unknown {
    const seen = this.pages.get(key);
    if (seen && answer.hasBody(seen.bytes)) {
      this.pages.delete(key);
      this.pages.set(key, seen);
      seen.json ??= deepFrozen(decode(answer));
      return seen.json;
    }
    const json = decode(answer);
    this.keep(key, answer.bodyBytes());
    return json;
  }

  private keep(key: string, bytes: Buffer): void {
    this.drop(key);
    if (bytes.length > this.maxBytes) return;
    this.pages.set(key, { bytes });
    this.heldBytes += bytes.length;
    for (const oldest of this.pages.keys()) {
      if (this.heldBytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const page = this.pages.get(key);
    if (!page) return;
    this.pages.delete(key);
    this.heldBytes -= page.bytes.length;
  }
}

/** A change to a shared page would reach every turn that reads it: frozen, such a change throws instead. */
function deepFrozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFrozen(child);
  }
  return value;
}
