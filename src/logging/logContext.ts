import { createHash } from 'node:crypto';
import { runWith, valueOf } from './turnScope.js';

const LOG_FIELDS = Symbol('log fields');

/** Runs `work` so that every log line written during it carries `context` (the turn id, the conversation's hash). */
export function withLogContext<T>(context: Record<string, unknown>, work: () => T): T {
  return runWith(LOG_FIELDS, context, work);
}

/** The fields of the turn being served, if any (pino's mixin). A new object each time: pino merges the line into it. */
export function logContext(): Record<string, unknown> {
  return { ...valueOf<Record<string, unknown>>(LOG_FIELDS) };
}

/** A conversation id is a user identifier in Teams: logs get a short hash that still ties a turn's lines together. */
export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
