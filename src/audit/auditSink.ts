import type { AuditEntry } from '../bookings/audit.js';

/** Where audit entries are kept: appended by the bot, read back by `npm run audit`. */
export interface AuditSink {
  append(entries: AuditEntry[]): Promise<void>;
  /** Every entry recorded at or after `since`, in no particular order. */
  read(since: Date): Promise<AuditEntry[]>;
}

/** One JSON line per entry. */
export function toJsonLines(entries: AuditEntry[]): string {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}

export function fromJsonLines(text: string, since: Date): AuditEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEntry)
    .filter((entry) => new Date(entry.at) >= since);
}

/** The UTC day an entry is filed under (YYYY-MM-DD). */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}
