import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/bot/commands.js';

describe('typed commands', () => {
  const now = new Date('2026-11-27T18:00:00Z');
  const parse = (text: string) => parseCommand(text, now, 'Asia/Shanghai');

  it.each([
    ['appointments', { kind: 'list', range: 'upcoming' }],
    ['  My   Appointments ', { kind: 'list', range: 'upcoming' }],
    ['appointments tomorrow', { kind: 'list', range: 'tomorrow' }],
    ['list dec 3', { kind: 'list', range: '2026-12-03' }],
    ['upcoming this week', { kind: 'list', range: 'week' }],
    ['预约', { kind: 'list', range: 'upcoming' }],
    ['我的预约', { kind: 'list', range: 'upcoming' }],
    ['明天的预约', { kind: 'list', range: 'tomorrow' }],
    ['我的预约 12月3日', { kind: 'list', range: '2026-12-03' }],
    ['sign out', { kind: 'signOut' }],
    ['退出登录', { kind: 'signOut' }],
    ['123456', { kind: 'magicCode', code: '123456' }],
    ['help', { kind: 'help', understood: true }],
    ['帮助', { kind: 'help', understood: true }],
    // A date the bot cannot read is answered with the forms it can, not searched for as a business name.
    ['appointments feb 30', { kind: 'help', understood: false }],
    ['appointments next month', { kind: 'help', understood: false }],
    ['appointments yesterday', { kind: 'help', understood: false }],
    ['下个月的预约', { kind: 'help', understood: false }],
    ['appointments next tuesday', { kind: 'list', range: '2026-12-01' }],
    ['下周二的预约', { kind: 'list', range: '2026-12-01' }],
    ['appointments Studio 54', { kind: 'list', range: 'upcoming', businessName: 'studio 54' }],
    ['appointments Contoso', { kind: 'list', range: 'upcoming', businessName: 'contoso' }],
    ['预约 fabrikam', { kind: 'list', range: 'upcoming', businessName: 'fabrikam' }],
    ['what is the weather', { kind: 'help', understood: false }],
    // A day to cancel ("out sick"): one day, never a range of days.
    ['cancel today', { kind: 'cancelDay', range: 'today' }],
    ['Cancel  Tomorrow', { kind: 'cancelDay', range: 'tomorrow' }],
    ['cancel 2026-12-09', { kind: 'cancelDay', range: '2026-12-09' }],
    ['cancel my appointments friday', { kind: 'cancelDay', range: '2026-12-04' }],
    ['cancel dec 9', { kind: 'cancelDay', range: '2026-12-09' }],
    ['取消今天', { kind: 'cancelDay', range: 'today' }],
    ['取消明天', { kind: 'cancelDay', range: 'tomorrow' }],
    ['取消明天的预约', { kind: 'cancelDay', range: 'tomorrow' }],
    ['取消12月9日的所有预约', { kind: 'cancelDay', range: '2026-12-09' }],
    ['cancel this week', { kind: 'help', understood: false }],
    ['cancel', { kind: 'help', understood: false }],
    ['cancel contoso', { kind: 'help', understood: false }],
    ['取消', { kind: 'help', understood: false }],
  ])('%j', (text, command) => {
    expect(parse(text)).toEqual(command);
  });
});
