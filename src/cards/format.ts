import type { Locale } from './i18n.js';

/**
 * Entries a memo keyed by what a client sends may hold: time zones come from the activity, before any sign-in, and
 * IANA names are case-insensitive, so every spelling would otherwise be one more entry.
 */
const MEMO_ENTRIES = 512;

/** `make(key)`, remembered for the last MEMO_ENTRIES keys asked for (the oldest goes first). */
class Memo<V> {
  private readonly kept = new Map<string, V>();

  constructor(private readonly make: (key: string) => V) {}

  get(key: string): V {
    let value = this.kept.get(key);
    if (value === undefined) {
      value = this.make(key);
      if (this.kept.size >= MEMO_ENTRIES) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(key, value);
    }
    return value;
  }

  get size(): number {
    return this.kept.size;
  }
}

/** Intl.DateTimeFormat objects are costly to build and immutable: each (locale, canonical zone, style) is built once. */
const formatters = new Memo((key) => {
  const [locale, timeZone, style] = key.split('|') as [Locale, string, keyof typeof STYLES];
  return new Intl.DateTimeFormat(locale, { timeZone, ...STYLES[style] });
});
function formatter(locale: Locale, timeZone: string, style: keyof typeof STYLES): Intl.DateTimeFormat {
  return formatters.get(`${locale}|${timeZone}|${style}`);
}

/** The zone's canonical name (Europe/London for europe/LONDON), or UTC for one the runtime does not know. */
const canonicalZones = new Memo((timeZone) => {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    // A Windows name, or junk: times are shown in UTC, which the card says.
    return 'UTC';
  }
});

/** What the time memos hold now: bounded, whatever clients send. */
export function timeMemoSizes(): { formatters: number; zones: number } {
  return { formatters: formatters.size, zones: canonicalZones.size };
}

const STYLES: Record<'day' | 'time', Intl.DateTimeFormatOptions> = {
  day: { weekday: 'short', day: 'numeric', month: 'short' },
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
};

/** A time zone the runtime knows, by its canonical name, else UTC (clients sometimes send Windows names or nothing). */
export function safeTimeZone(timeZone: string | undefined): string {
  return timeZone ? canonicalZones.get(timeZone.slice(0, 64)) : 'UTC';
}

/** "Fri, 27 Nov" / "11月27日周五" in the user's zone. */
export function formatDay(date: Date, locale: Locale, timeZone: string): string {
  return formatter(locale, timeZone, 'day').format(date);
}

/** "14:30–15:00" in the user's zone (24-hour in both locales, as Bookings shows it). */
export function formatTimeRange(start: Date, end: Date, locale: Locale, timeZone: string): string {
  const time = formatter(locale, timeZone, 'time');
  return `${time.format(start)}–${time.format(end)}`;
}
