import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What belongs to the turn being served (its log fields, its Graph wait), reachable from anything the turn calls.
 * One AsyncLocalStorage for all of it: each instance adds a hook to every promise in the process.
 */
const scope = new AsyncLocalStorage<ReadonlyMap<symbol, unknown>>();

/** Runs `work` with `value` under `key`, keeping whatever the caller's scope already holds. */
export function runWith<T>(key: symbol, value: unknown, work: () => T): T {
  const values = new Map(scope.getStore());
  values.set(key, value);
  return scope.run(values, work);
}

/** The value under `key` in the current turn's scope, if any. */
export function valueOf<T>(key: symbol): T | undefined {
  return scope.getStore()?.get(key) as T | undefined;
}
