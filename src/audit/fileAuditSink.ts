import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEntry } from '../bookings/audit.js';
import { type AuditSink, dayOf, fromJsonLines, toJsonLines } from './auditSink.js';

/** One instance without shared storage: a JSON-lines file per UTC day (appends are atomic for lines this short). */
export class FileAuditSink implements AuditSink {
  private made?: Promise<unknown>;

  constructor(private readonly directory: string) {}

  async append(entries: AuditEntry[]): Promise<void> {
    // Once per process; a failure is tried again with the next entries.
    this.made ??= mkdir(this.directory, { recursive: true }).catch((error: unknown) => {
      this.made = undefined;
      throw error;
    });
    await this.made;
    await appendFile(join(this.directory, `${dayOf(new Date())}.jsonl`), toJsonLines(entries), 'utf8');
  }

  async read(since: Date): Promise<AuditEntry[]> {
    // No directory yet: nothing was ever written. Any other failure is the caller's to hear.
    const names = await readdir(this.directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const days = names.filter((name) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(name) && name.slice(0, 10) >= dayOf(since));
    const texts = await Promise.all(days.map((name) => readFile(join(this.directory, name), 'utf8')));
    return texts.flatMap((text) => fromJsonLines(text, since));
  }
}
