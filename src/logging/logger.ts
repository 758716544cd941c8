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
    destination as pino.DestinationStream | undefined,
  );
}
