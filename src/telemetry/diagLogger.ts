import type { DiagLogger } from '@opentelemetry/api';
import type { Logger } from '../logging/logger.js';

/**
 * OpenTelemetry's and the distro's diagnostics as lines of the bot's own JSON log (one stream, at the bot's level),
 * instead of the distro's console logger. Only the message is kept, and only its first 300 characters: the extra
 * arguments are library objects (errors, responses) that are summed up by their type.
 */
export function pinoDiagLogger(logger: Logger): DiagLogger {
  const line = (level: 'error' | 'warn' | 'info' | 'debug' | 'trace') => (message: string, ...args: unknown[]) => {
    const extra = args.map((arg) => (arg instanceof Error ? arg.name : typeof arg));
    logger[level]({ component: 'opentelemetry', args: extra.length > 0 ? extra : undefined }, String(message).slice(0, 300));
  };
  return { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug'), verbose: line('trace') };
}
