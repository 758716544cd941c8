import { BookingsError, ErrorCode } from './errors.js';

/**
 * `work`, or a Timeout error once `deadline` (a performance.now() instant) has passed: how a turn keeps every wait
 * (the Token Service, Entra ID, another turn's cancel) inside its budget under Teams' 15 s invoke limit. The
 * abandoned call goes on in the background and its answer is dropped.
 */
export async function byDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  const left = deadline - performance.now();
  if (left === Infinity) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BookingsError(ErrorCode.Timeout, `${what} did not answer within the turn's budget`)), Math.max(0, left));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
