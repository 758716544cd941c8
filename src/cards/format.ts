import type { Locale } from './i18n.js';

/**
 * Intl.DateTimeFormat objects are costly to build (the benchmark's profile showed them among the bot's top costs)
 * and immutable, so each (locale, zone, style) is built once. Bounded by locales × zones users actually report.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: Locale, timeZone: string, style: 'day' | 'time' | 'dateTime'): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${style}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { timeZone, ...STYLES[style] });
    formatters.set(key, found);
  }
  return found;
}

const STYLES: Record<'day' | 'time' | 'dateTime', Intl.DateTimeFormatOptions> = {
  day: { weekday: 'short', day: 'numeric', month: 'short' },
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  dateTime: { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
};

/** A time zone the runtime knows, else UTC (clients sometimes send Windows names or nothing). */
export function safeTimeZone(timeZone: string | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    formatter('en-US', timeZone, 'time');
    return timeZone;
  } catch {
    return 'UTC';
  }
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

/** "Fri, 27 Nov 2026, 14:30" / "2026年11月27日周五 14:30": a full moment, for messages. */
export function formatDateTime(date: Date, locale: Locale, timeZone: string): string {
  return formatter(locale, timeZone, 'dateTime').format(date);
}
