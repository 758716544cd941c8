import { describe, expect, it } from 'vitest';
import { parseRange, windowOf } from '../../src/bookings/dateRange.js';

const iso = (w: { start: Date; end: Date }) => [w.start.toISOString(), w.end.toISOString()];

describe('reading the days a user asks for', () => {
  // Friday 27 November 2026, 20:00 in Chicago (02:00 UTC on the 28th)
  const now = new Date('2026-11-28T02:00:00Z');

  it.each([
    ['', 'upcoming'],
    ['next 14 days', 'upcoming'],
    ['today', 'today'],
    ['Tomorrow', 'tomorrow'],
    ['this week', 'week'],
    ['2026-12-03', '2026-12-03'],
    ['Dec 3', '2026-12-03'],
    ['december 3rd', '2026-12-03'],
    ['3 Dec', '2026-12-03'],
    ['on dec 3, 2027', '2027-12-03'],
    ['jan 5', '2027-01-05'],
    ['今天', 'today'],
    ['明天', 'tomorrow'],
    ['本周', 'week'],
    ['12月3日', '2026-12-03'],
    ['2027年1月5号', '2027-01-05'],
    ['未来14天', 'upcoming'],
    // Weekdays, from Friday 27 November in Chicago.
    ['friday', '2026-11-27'],
    ['next friday', '2026-12-04'],
    ['tuesday', '2026-12-01'],
    ['next tuesday', '2026-12-01'],
    ['on Tue', '2026-12-01'],
    ['this sunday', '2026-11-29'],
    ['周五', '2026-11-27'],
    ['星期二', '2026-12-01'],
    ['下周二', '2026-12-01'],
    ['下周五', '2026-12-04'],
    ['礼拜天', '2026-11-29'],
    ['下周日', '2026-12-06'],
  ])('%j → %s', (text, key) => {
    expect(parseRange(text, now, 'America/Chicago')).toBe(key);
  });

  it.each(['feb 30', '2026-13-01', 'yesterday', 'soon', '13月1日', 'next month', 'thursdays', '周八'])('refuses %j', (text) => {
    expect(parseRange(text, now, 'America/Chicago')).toBeUndefined();
  });

  it('takes "today" in the user\'s zone: already the 28th in Shanghai, still the 27th in Chicago', () => {
    expect(parseRange('11月28日', now, 'Asia/Shanghai')).toBe('2026-11-28');
    expect(iso(windowOf('today', now, 'Asia/Shanghai', 14))).toEqual(['2026-11-27T16:00:00.000Z', '2026-11-28T16:00:00.000Z']);
    expect(iso(windowOf('today', now, 'America/Chicago', 14))).toEqual(['2026-11-27T06:00:00.000Z', '2026-11-28T06:00:00.000Z']);
  });

  it('makes a day midnight to midnight across a DST change (Chicago, 1 November 2026 has 25 hours)', () => {
    const saturday = new Date('2026-10-31T18:00:00Z');
    expect(iso(windowOf('tomorrow', saturday, 'America/Chicago', 14))).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-02T06:00:00.000Z']);
  });

  it('runs "this week" from now to Monday 00:00, and the default from now for N days', () => {
    expect(iso(windowOf('week', now, 'America/Chicago', 14))).toEqual([now.toISOString(), '2026-11-30T06:00:00.000Z']);
    const sunday = new Date('2026-11-29T18:00:00Z');
    expect(windowOf('week', sunday, 'America/Chicago', 14).end.toISOString()).toBe('2026-11-30T06:00:00.000Z');
    expect(iso(windowOf('upcoming', now, 'UTC', 14))).toEqual([now.toISOString(), '2026-12-12T02:00:00.000Z']);
    expect(iso(windowOf('2026-12-03', now, 'Europe/London', 14))).toEqual(['2026-12-03T00:00:00.000Z', '2026-12-04T00:00:00.000Z']);
  });
});
