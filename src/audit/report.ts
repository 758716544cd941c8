import type { AuditEntry } from '../bookings/audit.js';

const COLUMNS = ['at', 'outcome', 'userObjectId', 'businessId', 'appointmentId', 'errorCode', 'recovered', 'graphRequestId'] as const;

/**
 * The entries to report, oldest first. An attempt recorded twice as cancelled (an instance stopped between the
 * audit and the ledger, and another finished it) is one cancellation, so duplicates of (attemptId, outcome) go.
 */
export function reportRows(entries: AuditEntry[]): AuditEntry[] {
  const seen = new Set<string>();
  return [...entries]
    .sort((a, b) => a.at.localeCompare(b.at))
    .filter((entry) => {
      if (entry.outcome !== 'cancelled' && entry.outcome !== 'batch') return true;
      const key = `${entry.attemptId}/${entry.outcome}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function columnsOf(rows: AuditEntry[]): (keyof AuditEntry)[] {
  const withMessages = rows.some((r) => r.cancellationMessage !== undefined);
  // A day's cancellation: each attempt names its batch, and the batch's own entry its day and counts.
  const withBatches = rows.some((r) => r.batchId !== undefined);
  return [...COLUMNS, ...(withBatches ? (['batchId', 'batch'] as const) : []), ...(withMessages ? (['cancellationMessage'] as const) : [])];
}

/**
 * Characters a terminal or a text view acts on instead of showing: C0 and C1 controls (ESC starts a terminal's escape
 * sequences) other than tab and line breaks, and the Unicode bidirectional controls, which reorder what follows
 * (the "Trojan Source" characters, CVE-2021-42574). Card data and messages are others' text.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const UNPRINTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

function cell(entry: AuditEntry, column: keyof AuditEntry): string {
  const { batch } = entry;
  const value = column === 'batch' ? batch && `${batch.day} #${batch.round}: ${batch.cancelled} cancelled, ${batch.alreadyGone} already gone, ${batch.refused} refused, ${batch.failed} failed of ${batch.total}` : entry[column];
  return value === undefined ? '' : String(value).replace(UNPRINTABLE, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}

/** RFC 4180 CSV; a cell that a spreadsheet would run as a formula is prefixed with ' (the message is free text). */
export function toCsv(rows: AuditEntry[]): string {
  const columns = columnsOf(rows);
  const escape = (value: string) => {
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((c) => escape(cell(row, c))).join(','))].join('\n') + '\n';
}

/** A plain-text table for a terminal, with a count per outcome underneath. */
export function toTable(rows: AuditEntry[]): string {
  const columns = columnsOf(rows);
  const lines = [columns as string[], ...rows.map((row) => columns.map((c) => cell(row, c).replace(/\s+/g, ' ')))];
  const widths = columns.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const format = (line: string[]) => line.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd();
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.outcome, (counts.get(row.outcome) ?? 0) + 1);
  const summary = [...counts].map(([outcome, n]) => `${outcome}: ${n}`).join(', ') || 'no attempts';
  return [format(lines[0]!), format(widths.map((w) => '-'.repeat(w))), ...lines.slice(1).map(format), '', summary].join('\n') + '\n';
}
