import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values are never written: a line's own fields, and the fields of an object it holds. */
const SENSITIVE_KEYS = [
  'token',
  'accessToken',
  'authorization',
  'password',
  'secret',
  'cancellationMessage',
  'emailAddress',
  'phone',
  'customerPhone',
  'customerEmailAddress',
  'connectionString',
];
const CENSOR = '[redacted]';
const sensitive = new Set(SENSITIVE_KEYS);

/**
 * Structured JSON logs. Nothing that could hold a token, a secret, a cancellation message or customer contact
 * details is logged on purpose; the redaction is the safety net for anything passed by mistake. pino redacts a
 * line's own fields by name. One level down is done here (formatters.log), not by pino's `*.key` paths: pino
 * applies those to every field of every line, numbers and strings included, parsing each path anew each time
 * (@pinojs/redact 0.4), which was 0.05 ms and 29 KB of garbage per logged turn.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'bookings-bot' },
      redact: { paths: [...SENSITIVE_KEYS, 'req.headers.authorization'], censor: CENSOR },
      formatters: { log: withNestedRedacted },
    },
    (destination as pino.DestinationStream | undefined) ?? standardOutput(),
  );
}

/** The line, with the sensitive fields of each object it holds censored (copies; the caller's objects stay as they are). */
function withNestedRedacted(line: Record<string, unknown>): Record<string, unknown> {
  let redacted: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(line)) {
    if (value === null || typeof value !== 'object') continue;
    const hidden = Object.keys(value).filter((name) => sensitive.has(name));
    if (hidden.length === 0) continue;
    // An Error's message and stack are not own enumerable fields: it is serialized as pino would, then censored.
    const copy: Record<string, unknown> = value instanceof Error ? pino.stdSerializers.err(value) : { ...value };
    for (const name of hidden) copy[name] = CENSOR;
    (redacted ??= { ...line })[key] = copy;
  }
  return redacted ?? line;
}

/**
 * Standard output in 4 KB writes, and at least every 100 ms: pino's default makes one blocking write(2) per line,
 * which at a hundred turns at once was about a twentieth of a list turn's CPU (mostly the pipe waking its reader).
 * pino flushes what is left when the process exits (SIGTERM ends in process.exit too); a killed process loses at
 * most the last 100 ms of lines.
 */
function standardOutput(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 });
}
