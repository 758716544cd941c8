import type { Logger } from '../logging/logger.js';

let routed: Logger | undefined;

/**
 * botbuilder writes stack traces and key listings with console.error/console.warn on every refused token (e.g.
 * jwtTokenExtractor.js: "Error finding key for token. Available keys: …"), outside any logger: a flood of bad
 * requests would multiply log volume, in a format no log pipeline parses. Those calls go to the logger at trace,
 * as their first line only; the bot's own "request refused" line carries the outcome.
 */
export function routeLibraryConsole(logger: Logger): void {
  const first = routed === undefined;
  routed = logger;
  if (!first) return;
  const toLogger =
    (method: 'error' | 'warn') =>
    (...args: unknown[]): void => {
      const [head] = args;
      const text = head instanceof Error ? head.name : String(head).split('\n', 1)[0]!.slice(0, 160);
      routed?.trace({ consoleMethod: method, text }, 'library console output');
    };
  // The whole point is to take over these two methods for libraries that call them.
  // eslint-disable-next-line no-console
  console.error = toLogger('error');
  // eslint-disable-next-line no-console
  console.warn = toLogger('warn');
}
