/** Converts a wall-clock time in an IANA zone to a UTC instant (DST-aware), using only Intl. */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // The zone's offset at the guessed instant; a second pass settles the few hours around a DST change.
  const first = guess - offsetMs(guess, timeZone);
  return new Date(guess - offsetMs(first, timeZone));
}

/**
 * Intl.DateTimeFormat is costly to build (in the benchmark's profile, building these two was 5% of a list turn's CPU)
 * and immutable: one per zone and purpose, bounded by the zones users report.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(purpose: 'wallClock' | 'date', timeZone: string): Intl.DateTimeFormat {
  const key = `${purpose}|${timeZone}`;
  let found = formatters.get(key);
  if (!found) {
    const date = { year: 'numeric', month: 'numeric', day: 'numeric' } as const;
    const options: Intl.DateTimeFormatOptions =
      purpose === 'date' ? { timeZone, ...date } : { timeZone, hourCycle: 'h23', ...date, hour: 'numeric', minute: 'numeric', second: 'numeric' };
    found = new Intl.DateTimeFormat('en-US', options);
    formatters.set(key, found);
  }
  return found;
}

function offsetMs(instant: number, timeZone: string): number {
  const parts = formatterFor('wallClock', timeZone).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The calendar date (y, m, d) of an instant in a zone. */
export function dateInZone(instant: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = formatterFor('date', timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}
