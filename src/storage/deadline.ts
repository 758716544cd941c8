import { settledWithin } from '../bookings/deadline.js';

/** Storage took longer than a turn can wait. */
export class StorageTimeoutError extends Error {
  override readonly name = 'StorageTimeoutError';
}

/**
 * `work`, or a StorageTimeoutError after `ms`. The Storage SDK's own try timeout is only a server-side hint (a
 * `timeout=` query parameter), so an account that accepts connections and never answers would hold a turn for as
 * long as TCP allows; this bounds it. The abandoned request ends when its connection does.
 */
export function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return settledWithin(work, ms, () => new StorageTimeoutError(`Storage did not answer within ${ms} ms`));
}
