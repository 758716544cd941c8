import { MemoryStorage, type StoreItems } from 'botbuilder';
import { SWEEP_EVERY_MS } from '../config/durations.js';
import type { Expiring } from './expiry.js';
import { StorageWriteConflict } from './writeConflict.js';

/**
 * botbuilder's MemoryStorage (one instance, the default) that forgets items past their `expiresAt`, and gives
 * items written without one (e.g. botbuilder's token-exchange de-duplication marks) a default lifetime, so a
 * long-running process with many users keeps bounded state.
 */
export class ExpiringMemoryStorage extends MemoryStorage {
  private readonly expiries = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly defaultTtlMs: number,
    private readonly now: () => number = Date.now,
    sweepIntervalMs = SWEEP_EVERY_MS,
  ) {
    super();
    this.sweeper = setInterval(() => this.evictExpired(), sweepIntervalMs).unref();
  }

  override async write(changes: StoreItems): Promise<void> {
    const stamped: StoreItems = {};
    const now = this.now();
    for (const [key, item] of Object.entries(changes) as [string, Expiring & { eTag?: string }][]) {
      // An expired item is gone: a write-once of its key must succeed.
      if ((this.expiries.get(key) ?? Infinity) <= now) this.forget(key);
      // MemoryStorage's own rule (a conditional write needs the stored eTag, or a free key), failed with a type.
      if (item.eTag && item.eTag !== '*' && this.memory[key] !== undefined && (JSON.parse(this.memory[key]) as { eTag?: string }).eTag !== item.eTag) {
        throw new StorageWriteConflict(key);
      }
      stamped[key] = item.expiresAt === undefined ? { ...item, expiresAt: this.now() + this.defaultTtlMs } : item;
    }
    await super.write(stamped);
    for (const [key, item] of Object.entries(stamped) as [string, Required<Expiring>][]) this.expiries.set(key, item.expiresAt);
  }

  override async delete(keys: string[]): Promise<void> {
    await super.delete(keys);
    for (const key of keys) this.expiries.delete(key);
  }

  /** Drops every expired item; returns how many. */
  evictExpired(): number {
    const now = this.now();
    const expired = [...this.expiries].filter(([, at]) => at <= now).map(([key]) => key);
    for (const key of expired) this.forget(key);
    return expired.length;
  }

  private forget(key: string): void {
    delete this.memory[key];
    this.expiries.delete(key);
  }

  /** Items held (for /healthz and the benchmark). */
  get size(): number {
    return this.expiries.size;
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
