import type { Storage } from 'botbuilder';
import { isLive } from './expiry.js';
import { whileReachable } from './whileReachable.js';

/**
 * State that is a convenience (a cache, a preference): one item per id under `prefix/`, its value in `field`, kept
 * for `ttlMs`, in the bot's Storage so every instance shares it. Storage that cannot be reached is a miss: the turn
 * goes on without it rather than failing.
 */
export class KeptItems<T> {
  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly field: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<T | undefined> {
    const key = this.keyOf(id);
    const item = (await whileReachable(() => this.storage.read([key])))?.[key] as Record<string, unknown> | undefined;
    return isLive(item, this.now()) ? (item![this.field] as T) : undefined;
  }

  async put(id: string, value: T): Promise<void> {
    await whileReachable(() => this.storage.write({ [this.keyOf(id)]: { [this.field]: value, expiresAt: this.now() + this.ttlMs } }));
  }

  async forget(id: string): Promise<void> {
    await whileReachable(() => this.storage.delete([this.keyOf(id)]));
  }

  private keyOf(id: string): string {
    return `${this.prefix}/${id}`;
  }
}
