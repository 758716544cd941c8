import type { Locale } from './i18n.js';

/** A time zone the runtime knows, else UTC (clients sometimes send Windows names or nothing). */
export function safeTimeZone(timeZone: string | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/** "Fri, 27 Nov" / "11月27日周五" in the user's zone. */
export function formatDay(date: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(date);
}

/** "14:30–15:00" in the user's zone (24-hour in both locales, as Bookings shows it). */
export function formatTimeRange(start: Date, end: Date, locale: Locale, timeZone: string): string {
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${time.format(start)}–${time.format(end)}`;
}

/** "Fri, 27 Nov 2026, 14:30" / "2026年11月27日周五 14:30": a full moment, for messages. */
export function formatDateTime(date: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}
