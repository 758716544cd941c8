import { dateInZone, zonedTimeToUtc } from './timeZones.js';
import type { TimeWindow } from './types.js';

/**
 * Which days a list covers. Kept as a short key on the card (so paging and refresh keep it): "upcoming" (the next
 * N days), "today", "tomorrow", "week" (until the end of this week, Monday to Sunday), or one date "2026-12-03".
 */
export type RangeKey = 'upcoming' | 'today' | 'tomorrow' | 'week' | `${number}-${number}-${number}`;

export const RANGE_KEY = /^(upcoming|today|tomorrow|week|\d{4}-\d{2}-\d{2})$/;

const DAY_MS = 86_400_000;

/** The window a range covers, in the user's time zone (a day is midnight to midnight there, DST included). */
export function windowOf(range: RangeKey, now: Date, timeZone: string, upcomingDays: number): TimeWindow {
  // The default list (every list click) needs no calendar date, and finding it is an Intl call.
  if (range === 'upcoming') return { start: now, end: new Date(now.getTime() + upcomingDays * DAY_MS) };
  const today = dateInZone(now, timeZone);
  const midnight = (offsetDays: number) => zonedTimeToUtc(today.year, today.month, today.day + offsetDays, 0, 0, timeZone);
  switch (range) {
    case 'today':
      return { start: midnight(0), end: midnight(1) };
    case 'tomorrow':
      return { start: midnight(1), end: midnight(2) };
    case 'week': {
      // Weeks start on Monday (ISO 8601); getUTCDay of the zone's calendar date: 0 = Sunday.
      const weekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay();
      return { start: now, end: midnight(weekday === 0 ? 1 : 8 - weekday) };
    }
    default: {
      const [year, month, day] = range.split('-').map(Number) as [number, number, number];
      return { start: zonedTimeToUtc(year, month, day, 0, 0, timeZone), end: zonedTimeToUtc(year, month, day + 1, 0, 0, timeZone) };
    }
  }
}

/** Sunday first, as Date.getUTCDay counts. */
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const CHINESE_WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WORDS: Record<string, RangeKey> = {
  '': 'upcoming',
  upcoming: 'upcoming',
  next: 'upcoming',
  today: 'today',
  今天: 'today',
  今日: 'today',
  tomorrow: 'tomorrow',
  明天: 'tomorrow',
  明日: 'tomorrow',
  week: 'week',
  'this week': 'week',
  本周: 'week',
  这周: 'week',
  这星期: 'week',
  本星期: 'week',
};

/**
 * Reads what follows "appointments": today, tomorrow, this week, a date (2026-12-03, Dec 3, 3 December, 12月3日),
 * in English or Chinese; "next 14 days" and nothing mean the default. Undefined when it is not a range.
 */
export function parseRange(text: string, now: Date, timeZone: string): RangeKey | undefined {
  const words = text.trim().toLowerCase().replace(/\s+/g, ' ').replace(/^(for|on|in) /, '');
  if (words in WORDS) return WORDS[words];
  if (/^next \d{1,2} days$|^未来\s?\d{1,2}\s?天$/.test(words)) return 'upcoming';
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(words);
  if (iso) return dateKey(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const chinese = /^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]$/.exec(words);
  if (chinese) return withYear(chinese[1], Number(chinese[2]), Number(chinese[3]), now, timeZone);
  const monthFirst = /^([a-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?$/.exec(words);
  const dayFirst = /^(\d{1,2})(?:st|nd|rd|th)? ([a-z]{3,9})\.?(?: (\d{4}))?$/.exec(words);
  const [monthName, day, year] = monthFirst ? [monthFirst[1]!, monthFirst[2]!, monthFirst[3]] : dayFirst ? [dayFirst[2]!, dayFirst[1]!, dayFirst[3]] : [];
  const month = monthName ? MONTHS.indexOf(monthName.slice(0, 3)) + 1 : 0;
  if (month > 0 && day) return withYear(year, month, Number(day), now, timeZone);
  return weekday(words, now, timeZone);
}

/**
 * "tuesday", "this tue", "周二", "星期二": the next Tuesday, today included; "next tuesday": the next one after today;
 * "下周二": Tuesday of next week (weeks from Monday, as "this week").
 */
function weekday(words: string, now: Date, timeZone: string): RangeKey | undefined {
  const english = /^(this |next )?(sun|mon|tue|tues|wed|thu|thur|thurs|fri|sat|(?:sun|mon|tues|wednes|thurs|fri|satur)day)$/.exec(words);
  const englishDay = english ? WEEKDAYS.indexOf(english[2]!.slice(0, 3)) : -1;
  const chinese = /^(下)?(?:周|星期|礼拜)([一二三四五六日天])$/.exec(words);
  const chineseDay = chinese ? CHINESE_WEEKDAYS.indexOf(chinese[2] === '天' ? '日' : chinese[2]!) : -1;
  if (englishDay < 0 && chineseDay < 0) return undefined;
  const today = dateInZone(now, timeZone);
  const todayWeekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay();
  let ahead: number;
  if (englishDay >= 0) {
    ahead = (englishDay - todayWeekday + 7) % 7;
    if (english![1] === 'next ' && ahead === 0) ahead = 7;
  } else {
    // Monday-first positions (0 = Monday … 6 = Sunday).
    const [target, from] = [(chineseDay + 6) % 7, (todayWeekday + 6) % 7];
    ahead = chinese![1] ? 7 - from + target : (target - from + 7) % 7;
  }
  const day = new Date(Date.UTC(today.year, today.month - 1, today.day + ahead));
  return dateKey(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
}

/**
 * Whether what follows "appointments" reads as a try at a date ("next month", "yesterday", "3/12", "下个月") rather
 * than a business name: such words are answered with the forms understood, not searched for among businesses.
 */
export function looksLikeDate(text: string): boolean {
  const words = text.trim().toLowerCase();
  return /^(\d|(next|last|this|yesterday|tonight|on|in|from|until|after|before|day|week|month|year|weekend)\b)/.test(words) || new RegExp(`^(${[...MONTHS, ...WEEKDAYS].join('|')})`).test(words) || /^[上下本这今明昨后前]|[月日号天周]$/.test(words);
}

/** A date without a year is the next one to come (today included). */
function withYear(year: string | undefined, month: number, day: number, now: Date, timeZone: string): RangeKey | undefined {
  if (year) return dateKey(Number(year), month, day);
  const today = dateInZone(now, timeZone);
  const thisYear = today.month < month || (today.month === month && today.day <= day);
  return dateKey(thisYear ? today.year : today.year + 1, month, day);
}

function dateKey(year: number, month: number, day: number): RangeKey | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` as RangeKey;
}
