import { describe, expect, it } from 'vitest';
import { formatDay, safeTimeZone, timeMemoSizes } from '../../src/cards/format.js';

describe('time zones from the activity', () => {
  it('are read by their canonical name, whatever the spelling; unknown ones are UTC', () => {
    expect(safeTimeZone('europe/LONDON')).toBe('Europe/London');
    expect(safeTimeZone('Europe/London')).toBe('Europe/London');
    expect(safeTimeZone('Pacific Standard Time')).toBe('UTC');
    expect(safeTimeZone(undefined)).toBe('UTC');
  });

  it('grow no memo without bound: 5,000 spellings of one zone, each used to format a day', () => {
    const name = 'america/los_angeles';
    for (let i = 0; i < 5_000; i++) {
      // Every case combination is a different key for a memo keyed by the raw text.
      const spelling = [...name].map((c, k) => ((i >> k) & 1 ? c.toUpperCase() : c)).join('');
      expect(formatDay(new Date(0), 'en-US', safeTimeZone(spelling))).toBe('Wed, Dec 31');
    }
    const { formatters, zones } = timeMemoSizes();
    expect(formatters).toBeLessThanOrEqual(512);
    expect(zones).toBeLessThanOrEqual(512);
    expect(zones).toBeGreaterThan(0);
  });
});
