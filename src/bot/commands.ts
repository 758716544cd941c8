import { parseRange, type RangeKey } from '../bookings/dateRange.js';

/** What a typed message asks for. Anything else gets help. */
export type Command =
  | { kind: 'list'; range: RangeKey }
  | { kind: 'signOut' }
  /** Six digits: the code a sign-in page shows where SSO is not available (Emulator, Web Chat). */
  | { kind: 'magicCode'; code: string }
  | { kind: 'help'; understood: boolean };

const LIST_COMMANDS = ['my appointments', 'appointments', 'appointment', 'upcoming', 'list'];
const CHINESE_LIST_COMMAND = /^(.*?)(?:的)?(?:我的)?预约(.*)$/;
const HELP_COMMANDS = new Set(['help', '?', '帮助']);
const SIGN_OUT_COMMANDS = new Set(['sign out', 'signout', 'log out', 'logout', '退出登录', '注销']);
const MAGIC_CODE = /^\d{6}$/;

/**
 * Reads a typed message, English or Chinese: "appointments", "appointments tomorrow", "list dec 3", "预约",
 * "明天的预约", "我的预约 12月3日", "sign out", a magic code, "help". Days are taken in the user's time zone.
 */
export function parseCommand(text: string, now: Date, timeZone: string): Command {
  const command = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const range = listRange(command, now, timeZone);
  if (range) return { kind: 'list', range };
  if (SIGN_OUT_COMMANDS.has(command)) return { kind: 'signOut' };
  if (MAGIC_CODE.test(command)) return { kind: 'magicCode', code: command };
  return { kind: 'help', understood: HELP_COMMANDS.has(command) };
}

function listRange(command: string, now: Date, timeZone: string): RangeKey | undefined {
  const english = LIST_COMMANDS.find((c) => command === c || command.startsWith(`${c} `));
  if (english) return parseRange(command.slice(english.length), now, timeZone);
  const chinese = CHINESE_LIST_COMMAND.exec(command);
  if (chinese) return parseRange(`${chinese[1]!.replace(/的$/, '')}${chinese[2]!}`, now, timeZone);
  return undefined;
}
