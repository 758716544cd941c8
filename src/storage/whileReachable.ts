import { CodedError, ErrorCode } from '../bookings/errors.js';

/** For state that is a convenience (a preference, a cache): storage that cannot be reached gives undefined, not a failed turn. */
export async function whileReachable<T>(operation: () => Promise<T>): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof CodedError && error.code === ErrorCode.StorageUnavailable) return undefined;
    throw error;
  }
}
