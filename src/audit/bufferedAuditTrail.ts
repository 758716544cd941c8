import type { AuditEntry, AuditTrail } from '../bookings/audit.js';
import { AUDIT_RETRY_EVERY_MS } from '../config/durations.js';
import type { Logger } from '../logging/logger.js';
import type { AuditSink } from './auditSink.js';

/**
 * The bot's audit trail: entries go to the sink at once; those that cannot be written (storage down) are kept in
 * memory and written with the next entry or by a timer, so an outage loses none. Past `maxPending` the oldest are
 * dropped and counted in the log, so an outage cannot exhaust memory. Never throws: auditing must not fail a cancel.
 */
export class BufferedAuditTrail implements AuditTrail {
  private pending: AuditEntry[] = [];
  /** The last write failed: storage is down until a write succeeds. */
  private failing = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sink: AuditSink,
    private readonly logger: Logger,
    private readonly maxPending = 10_000,
    retryIntervalMs = AUDIT_RETRY_EVERY_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), retryIntervalMs).unref();
  }

  /**
   * Resolves once the entry is written; while storage is failing, at once (the entry waits in memory), so an
   * outage does not add a storage timeout to every cancel.
   */
  record(entry: AuditEntry): Promise<void> {
    this.pending.push(entry);
    const written = this.flush();
    return this.failing ? Promise.resolve() : written;
  }

  /** Entries not yet written (for /healthz). */
  get backlog(): number {
    return this.pending.length;
  }

  /** Writes are serialised; each takes everything pending, so a burst becomes a few appends. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.pending.length > 0) this.logger.error({ unwritten: this.pending.length }, 'audit entries could not be written before shutdown');
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.sink.append(batch);
      this.failing = false;
    } catch (error) {
      this.failing = true;
      this.pending = [...batch, ...this.pending];
      const dropped = Math.max(0, this.pending.length - this.maxPending);
      if (dropped > 0) this.pending.splice(0, dropped);
      this.logger.warn({ err: { type: (error as Error).name }, backlog: this.pending.length, dropped }, 'audit entries kept in memory until storage answers');
    }
  }
}
