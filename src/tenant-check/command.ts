import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { createGraphClient } from '../graph/clientFactory.js';
import { parseCheckArgs, USAGE, UsageError } from './args.js';
import { CHECKS } from './assumptions/index.js';
import { cancelEndToEnd } from './cancel.js';
import { SignInFailed, signInWithDeviceCode } from './deviceCodeSignIn.js';
import { SetupError, targetOf } from './environment.js';
import type { Finding } from './observations.js';
import { observe } from './observe.js';
import { GraphRecorder } from './recorder.js';
import { renderFinding, renderSummary } from './report.js';

export interface CommandIO {
  /** The report. */
  stdout: Writable;
  /** Sign-in instructions, questions and failures. */
  stderr: Writable;
  /** Answers to the questions (the cancel's confirmation). */
  stdin: Readable;
  /** The project root: env/ is read from here. */
  cwd: string;
  env: Record<string, string | undefined>;
  now?: () => Date;
}

/** Exit codes: every assumption confirmed or not testable here; one contradicted; the check could not run. */
export const EXIT = { ok: 0, contradicted: 1, failed: 2 } as const;

const BOOKINGS_ROOT = '/solutions/bookingBusinesses';
const VERSION = 'v1.0';

/** `npm run check:tenant -- --env <env> [--cancel …]`: signs in, reads, prints each assumption's verdict. */
export async function runTenantCheck(argv: string[], io: CommandIO): Promise<number> {
  const out = (text: string) => io.stdout.write(text);
  const err = (text: string) => io.stderr.write(text);
  try {
    const args = parseCheckArgs(argv);
    const target = targetOf(io.cwd, args.env, io.env);
    out(`Tenant check of env "${target.env}": the bot's app ${target.appId} in tenant ${target.tenantId}\n`);
    out(`Entra ID ${target.authorityHost}, Graph ${target.graphBaseUrl}${VERSION}; reads only${args.cancel ? ', then the one cancel asked for' : ''}\n`);
    const signedIn = await signInWithDeviceCode({ authorityHost: target.authorityHost, tenantId: target.tenantId, clientId: target.appId, scopes: target.scopes, show: (message) => err(`${message}\n`) });
    out(`Signed in. Graph permissions in the token: ${signedIn.grantedScopes.join(' ') || '(none reported)'}\n\n`);

    // The bot's own client, without automatic retries: every answer is recorded as Graph sent it.
    const client = createGraphClient({ baseUrl: target.graphBaseUrl, version: VERSION, timeoutMs: 15_000, maxRetries: 0, maxRetryWaitSeconds: 0 });
    const graph = new GraphRecorder(client, signedIn.token, `${target.graphBaseUrl}${VERSION}/`);
    const observations = await observe(graph, { bookingsRoot: BOOKINGS_ROOT, now: io.now?.() ?? new Date(), grantedScopes: signedIn.grantedScopes });
    const findings: Finding[] = CHECKS.map((check) => check(observations));
    findings.forEach((finding, i) => out(renderFinding(finding, i + 1)));

    if (args.cancel) {
      const cancelled = await cancelEndToEnd(graph, args.cancel, { bookingsRoot: BOOKINGS_ROOT, say: (line) => err(`${line}\n`), ask: (question) => answerTo(io.stdin, question, err) });
      findings.push(cancelled);
      out(renderFinding(cancelled, findings.length));
    }
    out(`\n${renderSummary(findings)}`);
    err('If "Allow public client flows" was turned on for this check, turn it off again (docs/deploy.md, "Check a real tenant").\n');
    return findings.some((f) => f.verdict === 'contradicted') ? EXIT.contradicted : EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n${USAGE}\n`);
      return EXIT.failed;
    }
    if (error instanceof SetupError || error instanceof SignInFailed) {
      err(`${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

/** The operator's answer to `question`: the next line typed, or nothing once input has ended. */
async function answerTo(input: Readable, question: string, err: (text: string) => void): Promise<string> {
  err(question);
  // Made at the question: lines typed before it (or piped in) are read from here on, none lost.
  const lines = createInterface({ input, terminal: false });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}
