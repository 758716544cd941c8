import { looksLikeDate, parseRange, type RangeKey } from '../bookings/dateRange.js';

/** What a typed message asks for. Anything else gets help. */
export type Command =
  /** With businessName when what followed "appointments" was not a date. */
  | { kind: 'list'; range: RangeKey; businessName?: string }
  /** Read the tenant again for the user's businesses, then list. */
  | { kind: 'refreshBusinesses' }
  /** "cancel today", "取消明天": a day's appointments to cancel with one message. */
  | { kind: 'cancelDay'; range: RangeKey }
  | { kind: 'signOut' }
  /** Six digits: the code a sign-in page shows where SSO is not available (Emulator, Web Chat). */
  | { kind: 'magicCode'; code: string }
  /** Not understood also when what followed "appointments" was meant as a date the bot does not read ("next month"). */
  | { kind: 'help'; understood: boolean };

const LIST_COMMANDS = ['my appointments', 'appointments', 'appointment', 'upcoming', 'list'];
const CHINESE_LIST_COMMAND = /^(.*?)(?:的)?(?:我的)?预约(.*)$/;
const HELP_COMMANDS = new Set(['help', '?', '帮助']);
const REFRESH_COMMANDS = new Set(['refresh', 'refresh my businesses', 'refresh businesses', '刷新', '刷新我的企业']);
const SIGN_OUT_COMMANDS = new Set(['sign out', 'signout', 'log out', 'logout', '退出登录', '注销']);
const MAGIC_CODE = /^\d{6}$/;

/**
 * Reads a typed message, English or Chinese: "appointments", "appointments tomorrow", "list dec 3", "预约",
 * "明天的预约", "我的预约 12月3日", "appointments contoso" (a business), "sign out", a magic code, "help". Days are
 * taken in the user's time zone.
 */
export function parseCommand(text: string, now: Date, timeZone: string): Command {
  const command = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const cancelDay = cancelDayOf(command, now, timeZone);
  if (cancelDay) return cancelDay;
  const rest = listCommandRest(command);
  if (rest !== undefined) {
    const range = parseRange(rest, now, timeZone);
    if (range) return { kind: 'list', range };
    return looksLikeDate(rest) ? { kind: 'help', understood: false } : { kind: 'list', range: 'upcoming', businessName: rest.trim() };
  }
  if (REFRESH_COMMANDS.has(command)) return { kind: 'refreshBusinesses' };
  if (SIGN_OUT_COMMANDS.has(command)) return { kind: 'signOut' };
  if (MAGIC_CODE.test(command)) return { kind: 'magicCode', code: command };
  return { kind: 'help', understood: HELP_COMMANDS.has(command) };
}

/** What follows a list command ("" for none), or undefined when the message is not one. */
function listCommandRest(command: string): string | undefined {
  const english = LIST_COMMANDS.find((c) => command === c || command.startsWith(`${c} `));
  if (english) return command.slice(english.length);
  const chinese = CHINESE_LIST_COMMAND.exec(command);
  return chinese ? `${chinese[1]!.replace(/的$/, '')}${chinese[2]!}` : undefined;
}

const CANCEL_DAY = /^cancel (?:all )?(?:(?:my )?appointments? )?(.+)$/;
const CHINESE_CANCEL_DAY = /^取消(?:我)?(.+?)(?:的)?(?:所有|全部)?(?:的)?(?:预约)?$/;

/**
 * "cancel today", "cancel tomorrow", "cancel 2026-12-09", "cancel friday", "取消今天", "取消明天的预约": one day (a
 * range of one day only), or undefined when the words name no single day.
 */
function cancelDayOf(command: string, now: Date, timeZone: string): Command | undefined {
  const day = CANCEL_DAY.exec(command)?.[1] ?? CHINESE_CANCEL_DAY.exec(command)?.[1];
  const range = day === undefined ? undefined : parseRange(day, now, timeZone);
  return range === undefined || range === 'upcoming' || range === 'week' ? undefined : { kind: 'cancelDay', range };
}
