/**
 * Wall-clock times in a business's time zone, for the seed's working hours. The local Graph shares no code with the
 * bot it stands in for (a bug there must not hide a bug here), so this reads the zone's UTC offset its own way.
 */

/** The zone's offset from UTC at an instant, in minutes (Intl's "GMT-06:00" form). */
function offsetMinutes(instant: number, timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(new Date(instant)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/** The instant at which a wall clock in the zone shows this date and time (days past the month's end roll over). */
export function atWallClock(date: { year: number; month: number; day: number }, hour: number, minute: number, timeZone: string): Date {
  const asIfUtc = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // The offset at the first estimate may differ from the one at the answer across a DST change; the second settles it.
  const estimate = asIfUtc - offsetMinutes(asIfUtc, timeZone) * 60_000;
  return new Date(asIfUtc - offsetMinutes(estimate, timeZone) * 60_000);
}

/** The date a wall clock in the zone shows at an instant. */
export function dateAt(instant: Date, timeZone: string): { year: number; month: number; day: number } {
  const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant).split('-').map(Number);
  return { year: year!, month: month!, day: day! };
}
