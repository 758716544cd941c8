import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A loopback TLS certificate the workers trust: the local Entra ID stand-in must speak https to MSAL.
    globalSetup: ['test/helpers/standins/tlsSetup.ts'],
    // Servers under test listen on 127.0.0.1 with ephemeral ports, so files can run in parallel.
    // As `npm start` runs the bot: restify reads process.binding('http_parser'), which Node warns about on every start.
    execArgv: ['--disable-warning=DEP0111'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets .ci/run print a one-line "N passed, N failed" summary.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
