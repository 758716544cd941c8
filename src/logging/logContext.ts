import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

const fields = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `work` so that every log line written during it carries `context` (the turn id, the conversation's hash). */
export function withLogContext<T>(context: Record<string, unknown>, work: () => T): T {
  return fields.run(context, work);
}

/** The fields of the turn being served, if any (pino's mixin). */
export function logContext(): Record<string, unknown> {
  return fields.getStore() ?? {};
}

/** A conversation id is a user identifier in Teams: logs get a short hash that still ties a turn's lines together. */
export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
