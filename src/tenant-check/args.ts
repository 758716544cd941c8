import { parseArgs } from 'node:util';
import { messageProblem } from '../bookings/cancellationMessage.js';

export const USAGE = 'Usage: npm run check:tenant -- --env <env> [--cancel <businessId> <appointmentId> [--message <text>] [--yes]]';

/** What the customer of a cancelled test appointment is told, unless --message says otherwise. */
export const DEFAULT_CANCELLATION_MESSAGE = 'This appointment has been cancelled.';

export interface CheckArgs {
  env: string;
  /** --cancel: one appointment to cancel end to end after the checks. */
  cancel?: { businessId: string; appointmentId: string; message: string; confirmed: boolean };
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command line, checked; a mistake is a UsageError that says which. */
export function parseCheckArgs(argv: string[]): CheckArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { env: { type: 'string' }, cancel: { type: 'boolean', default: false }, message: { type: 'string' }, yes: { type: 'boolean', default: false } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (!values.env) throw new UsageError('--env is required (the Agents Toolkit environment: dev, prod, …)');
  if (!values.cancel) {
    if (positionals.length > 0 || values.message !== undefined || values.yes) throw new UsageError('a business id, an appointment id, --message and --yes go with --cancel only');
    return { env: values.env };
  }
  if (positionals.length !== 2) throw new UsageError('--cancel takes a business id and an appointment id');
  const message = values.message ?? DEFAULT_CANCELLATION_MESSAGE;
  if (messageProblem(message)) throw new UsageError('--message: a cancellation message of 1 to 500 characters');
  return { env: values.env, cancel: { businessId: positionals[0]!, appointmentId: positionals[1]!, message: message.trim(), confirmed: values.yes } };
}
