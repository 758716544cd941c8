import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A loopback TLS certificate the workers trust: the local Entra ID stand-in must speak https to MSAL.
    globalSetup: ['test/helpers/standins/tlsSetup.ts'],
    // Servers under test listen on 127.0.0.1 with ephemeral ports, so files can run in parallel.
    // As `npm start` runs the bot: restify reads process.binding('http_parser'), which Node warns about on every start.
    execArgv: ['--disable-warning=DEP0111'],
    // The suite's servers mostly wait (loopback peers, timers, child processes), not compute: 4 files at once on 2 cores
    // halve its time (about 3 minutes instead of 6).
    maxWorkers: 4,
    // botbuilder writes its own diagnostics for each token the security tests forge on purpose; the bot's log has them.
    onConsoleLog: (log) => !log.startsWith('Error finding key for token'),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets .ci/run print a one-line "N passed, N failed" summary.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
