import { describe, expect, it } from 'vitest';
import { DecodedPages } from '../../src/graph/decodedPages.js';
import { GraphAnswer } from '../../src/graph/transport.js';

/** An answer as the transport hands it over: the body in the reads it came in (here, `reads` of them). */
function answer(json: unknown, reads = 3): GraphAnswer {
  const bytes = Buffer.from(JSON.stringify(json));
  const size = Math.ceil(bytes.length / reads);
  return new GraphAnswer(200, new Headers(), Array.from({ length: reads }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));
}

const page = (...ids: string[]) => ({ value: ids.map((id) => ({ id, staffMemberIds: ['s-1'] })) });

/** The memo under test and how many times it had to decode. */
function memo(maxBytes = 1 << 20) {
  const pages = new DecodedPages(maxBytes);
  let decoded = 0;
  const read = (key: string, json: unknown, reads?: number) =>
    pages.json(key, answer(json, reads), (a) => {
      decoded++;
      return JSON.parse(a.bodyText()) as unknown;
    }) as ReturnType<typeof page>;
  return { read, decodes: () => decoded };
}

describe('calendar pages decoded once', () => {
  it('decodes the same bytes twice, then hands the second decoding to every read after', () => {
    const { read, decodes } = memo();
    const first = read('contoso#0', page('a', 'b'));
    const second = read('contoso#0', page('a', 'b'), 2);
    const third = read('contoso#0', page('a', 'b'), 5);
    expect([first, second, third]).toEqual([page('a', 'b'), page('a', 'b'), page('a', 'b')]);
    expect(decodes()).toBe(2);
    expect(third).toBe(second);
    expect(first).not.toBe(second);
  });

  it('decodes a page whose bytes changed, however often the earlier bytes were read', () => {
    const { read, decodes } = memo();
    for (let i = 0; i < 3; i++) read('contoso#0', page('a', 'b'));
    expect(read('contoso#0', page('a'))).toEqual(page('a'));
    // Same length, one byte apart.
    expect(read('contoso#0', page('c'))).toEqual(page('c'));
    expect(decodes()).toBe(4);
  });

  it('freezes what it shares: no read can change what the next one gets', () => {
    const { read } = memo();
    read('contoso#0', page('a'));
    const shared = read('contoso#0', page('a'));
    expect(() => shared.value[0]!.staffMemberIds.push('s-2')).toThrow(TypeError);
    expect(() => (shared.value[0]!.id = 'b')).toThrow(TypeError);
    expect(read('contoso#0', page('a'))).toEqual(page('a'));
  });

  it('lets the least recently read page go past its byte budget, and keeps none larger than the budget', () => {
    const bytes = Buffer.byteLength(JSON.stringify(page('a')));
    const { read, decodes } = memo(2 * bytes);
    for (const key of ['contoso#0', 'contoso#0', 'fabrikam#0', 'fabrikam#0']) read(key, page('a'));
    read('contoso#0', page('a')); // Contoso is now the more recently read
    read('northwind#0', page('a')); // over budget: Fabrikam goes
    const before = decodes();
    read('contoso#0', page('a'));
    expect(decodes()).toBe(before);
    read('fabrikam#0', page('a'));
    expect(decodes()).toBe(before + 1);

    // A page larger than the whole budget is decoded every time, and pushes out nothing.
    const big = page('a'.repeat(3 * bytes));
    for (let i = 0; i < 3; i++) read('big#0', big);
    read('contoso#0', page('a'));
    expect(decodes()).toBe(before + 4);
  });
});
