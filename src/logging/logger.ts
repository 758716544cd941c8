import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Nothing that could hold a token, a secret, a cancellation message or customer contact
 * details is logged on purpose; the redaction list is the safety net for anything passed by mistake.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'bookings-bot' },
      redact: {
        paths: [
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
          '*.token',
          '*.accessToken',
          '*.authorization',
          '*.password',
          '*.cancellationMessage',
          '*.emailAddress',
          '*.phone',
          '*.customerPhone',
          '*.customerEmailAddress',
          '*.connectionString',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    (destination as pino.DestinationStream | undefined) ?? standardOutput(),
  );
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
