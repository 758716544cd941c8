import { CodedError, ErrorCode } from './errors.js';

/**
 * `work`, or the error `late()` makes once `ms` have passed. The abandoned call goes on in the background and its
 * answer is dropped.
 */
export async function settledWithin<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  if (ms === Infinity) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What is left until `deadline` (a performance.now() instant), in ms and never below 0; Infinity without one. */
export function msUntil(deadline: number | undefined): number {
  return deadline === undefined ? Infinity : Math.max(0, deadline - performance.now());
}

/**
 * `work`, or a Timeout error once `deadline` (a performance.now() instant) has passed: how a turn keeps every wait
 * (the Token Service, Entra ID, another turn's cancel) inside its budget under Teams' 15 s invoke limit.
 */
export function byDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  return settledWithin(work, msUntil(deadline), () => new CodedError(ErrorCode.Timeout, `${what} did not answer within the turn's budget`));
}

/** Resolves at `at` (performance.now()); never, without a limit. Its timer does not keep the process alive. */
export function sleepUntil(at: number): Promise<void> {
  if (at === Infinity) return new Promise(() => undefined);
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())).unref());
}
