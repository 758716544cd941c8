import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSeed, type Seed, type SeedBusiness } from '../../src/local-graph/seed.js';
import type { GraphQuirks } from '../../src/local-graph/quirks.js';
import { LocalGraphService } from '../../src/local-graph/server.js';
import { runTenantCheck } from '../../src/tenant-check/command.js';
import { ADELE, CONTOSO } from '../helpers/localGraph.js';
import { BOT_APP_ID, DEVICE_CODE_GRANTS, LocalEntra, TENANT_ID } from '../helpers/standins/entra.js';

/**
 * `npm run check:tenant` against the local stand-ins: Entra ID (the device authorization grant) and the local Graph
 * service, first as documented (what the bot assumes holds), then with one quirk at a time that contradicts one
 * assumption: the command must say "contradicted" for that one, with the evidence.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tenant-check-'));
mkdirSync(join(root, 'env'));
writeFileSync(join(root, 'env', '.env.test'), `BOT_ID=${BOT_APP_ID}\nBOT_TENANT_ID=${TENANT_ID}\n`);

const entra = new LocalEntra();
let graph: LocalGraphService;

beforeAll(async () => {
  await entra.start();
  entra.publicClientFlows = true;
  entra.deviceCodeIntervalSeconds = 1;
});
afterAll(async () => {
  await entra.stop();
  rmSync(root, { recursive: true, force: true });
});
afterEach(async () => {
  await graph?.stop();
});

async function startGraph(options: { quirks?: GraphQuirks; seed?: Seed } = {}): Promise<LocalGraphService> {
  // Graph's latency (a little), so that the reads of the check's burst are in flight together as they would be.
  graph = new LocalGraphService({ trustedIssuer: { issuer: entra.issuer, jwksUri: entra.jwksUri }, latencyMs: 20, ...options });
  await graph.start();
  return graph;
}

/** The person at the browser: signs in with the code the command shows, as soon as it shows one. */
function signInWhenAsked(stderr: NodeJS.ReadableStream, upn = ADELE): void {
  let seen = '';
  stderr.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    const code = /enter the code (\w+) to authenticate/.exec(seen)?.[1];
    if (code && !seen.includes('\u0000')) {
      seen += '\u0000';
      void entra.signInWithDeviceCode(code, upn);
    }
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command in this process, as cli.ts runs it, with the stand-ins' URLs in its environment. */
async function check(args: string[], stdin: Readable = Readable.from([])): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  signInWhenAsked(stderr);
  const code = await runTenantCheck(['--env', 'test', ...args], { stdout, stderr, stdin, cwd: root, env: { ENTRA_AUTHORITY_HOST: entra.url, GRAPH_BASE_URL: graph.url } });
  return { code, stdout: out, stderr: err };
}

/** The finding of one assumption: its verdict line and evidence, up to the next one. */
function findingOf(stdout: string, number: number): string {
  const start = stdout.indexOf(`\n${number}. [`);
  const end = stdout.indexOf(`\n${number + 1}. [`, start + 1);
  return stdout.slice(start + 1, end < 0 ? stdout.indexOf('\nSummary') : end);
}

/** Every secret and private value the run handled: none may be printed. */
function leaks(run: Run): string[] {
  const tokens = graph.requests.map((r) => r.authorization?.replace(/^Bearer /, '')).filter((t): t is string => !!t);
  const seed = graph.store.business(CONTOSO)!;
  const customers = ['jordanm@contoso.com', 'wang.fang@example.cn', 'amelia.hughes@example.co.uk', 'Jordan Miller'];
  const text = run.stdout + run.stderr;
  return [...new Set(tokens), ...customers, seed.staff[0]!.emailAddress, ADELE].filter((secret) => text.toLowerCase().includes(secret.toLowerCase()));
}

describe('npm run check:tenant against the local Graph service (as documented)', () => {
  it('signs in with a device code, reads only, and confirms what the stand-in can show; the rest is not testable here', async () => {
    await startGraph();
    const run = await check([]);
    expect(run.stderr).toMatch(/To sign in, use a web browser to open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code \w+ to authenticate\./);
    expect(run.stdout).toContain('1. [confirmed] The business list is the tenant\'s');
    expect(findingOf(run.stdout, 1)).toMatch(/GET bookingBusinesses: 200, request-id [0-9a-f-]{36}: 3 businesses/);
    expect(findingOf(run.stdout, 1)).toMatch(/refused: 1 × 403; first: Northwind Bike Repair \(403 ErrorAccessDenied, request-id [0-9a-f-]{36}\)/);
    expect(run.stdout).toContain('2. [confirmed] Staff roles after unknownFutureValue');
    expect(findingOf(run.stdout, 2)).toMatch(/without Prefer: 200, request-id [0-9a-f-]{36}: .*1 × unknownFutureValue/);
    expect(run.stdout).toContain('3. [confirmed] GET /me needs User.Read');
    expect(run.stdout).toContain('4. [not testable here] GET /solutions/bookingBusinesses lists at most 500');
    expect(findingOf(run.stdout, 4)).toContain('3 businesses, no @odata.nextLink');
    expect(run.stdout).toContain('5. [confirmed] An appointment id holding "/" cannot be addressed');
    expect(findingOf(run.stdout, 5)).toMatch(/an id with "\/" \(Fabrikam Wellness Clinic\), %2F: 400 BadRequest, request-id/);
    expect(run.stdout).toContain('6. [confirmed] A 429 or 503 from Graph carries Retry-After');
    expect(run.stdout).toContain('Summary: 5 confirmed, 0 contradicted, 1 not testable here.');
    expect(run.code).toBe(0);
    // Reads only; and the device code was redeemed after Entra had answered authorization_pending.
    expect(graph.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(graph.store.cancellations).toEqual([]);
    expect(entra.calls.filter((c) => DEVICE_CODE_GRANTS.has(c.grantType)).map((c) => c.outcome)).toEqual(['authorization_pending/70016', 'issued']);
    expect(leaks(run)).toEqual([]);
  });

  it('says what to do when the app registration does not allow public client flows, and sends Graph nothing', async () => {
    await startGraph();
    entra.publicClientFlows = false;
    try {
      const run = await check([]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('The app registration does not allow public client flows: turn "Allow public client flows" on for this check');
      expect(run.stdout).not.toContain('[');
      expect(graph.requests).toEqual([]);
    } finally {
      entra.publicClientFlows = true;
    }
  });

  it('refuses an environment name that is not one, and a --cancel without its two ids', async () => {
    await startGraph();
    for (const args of [['--env', '../../etc'], ['--cancel', CONTOSO]]) {
      const run = await runTenantCheck(args[0] === '--env' ? args : ['--env', 'test', ...args], { stdout: new PassThrough(), stderr: new PassThrough(), stdin: Readable.from([]), cwd: root, env: {} });
      expect(run).toBe(2);
    }
    expect(graph.requests).toEqual([]);
  });
});

describe('npm run check:tenant against a stand-in that contradicts one assumption at a time', () => {
  it('1: a business you are not staff of can be read', async () => {
    await startGraph({ quirks: { outsidersMayRead: true } });
    const run = await check([]);
    expect(findingOf(run.stdout, 1)).toMatch(/^1\. \[contradicted\] The business list is the tenant's/);
    expect(findingOf(run.stdout, 1)).toMatch(/read although you are not among its staff: Northwind Bike Repair \(200, request-id [0-9a-f-]{36}\)/);
    expect(run.code).toBe(1);
  });

  it('2: scheduler and team member come without the Prefer header', async () => {
    await startGraph({ quirks: { enumMembersWithoutPrefer: true } });
    const run = await check([]);
    expect(findingOf(run.stdout, 2)).toMatch(/^2\. \[contradicted\] Staff roles/);
    expect(findingOf(run.stdout, 2)).toMatch(/Contoso Lunch Delivery, without Prefer: 200, request-id [0-9a-f-]{36}: .*1 × scheduler/);
    expect(findingOf(run.stdout, 2)).toContain('without the header Graph sent 1 × scheduler where unknownFutureValue was expected');
    expect(run.code).toBe(1);
  });

  it('3: GET /me is refused with User.Read in the token', async () => {
    await startGraph({ quirks: { meScopes: ['User.Read.All'] } });
    const run = await check([]);
    expect(findingOf(run.stdout, 3)).toMatch(/^3\. \[contradicted\] GET \/me needs User\.Read/);
    expect(findingOf(run.stdout, 3)).toMatch(/GET \/me: 403 Authorization_RequestDenied, request-id [0-9a-f-]{36}/);
    expect(findingOf(run.stdout, 3)).toContain('refused although the token has User.Read');
    expect(run.code).toBe(1);
  });

  it('4: the business list holds more than 500', async () => {
    const seed = createSeed(new Date());
    const filler = (n: number): SeedBusiness => ({ ...seed.businesses[2]!, id: `Filler${n}@contoso.onmicrosoft.com`, displayName: `Filler ${n}` });
    await startGraph({ seed: { ...seed, businesses: [...seed.businesses, ...Array.from({ length: 498 }, (_, n) => filler(n))] }, quirks: { businessListLimit: 1000 } });
    const run = await check([]);
    expect(findingOf(run.stdout, 4)).toMatch(/^4\. \[contradicted\] GET \/solutions\/bookingBusinesses lists at most 500/);
    expect(findingOf(run.stdout, 4)).toMatch(/GET bookingBusinesses: 200, request-id [0-9a-f-]{36}: 501 businesses, no @odata\.nextLink/);
    expect(findingOf(run.stdout, 4)).toContain('more than 500 in one answer');
    expect(run.code).toBe(1);
  });

  it('5: an id holding "/" can be read, sent as %2F', async () => {
    await startGraph({ quirks: { encodedSlashStaysInSegment: true } });
    const run = await check([]);
    expect(findingOf(run.stdout, 5)).toMatch(/^5\. \[contradicted\] An appointment id holding "\/"/);
    expect(findingOf(run.stdout, 5)).toMatch(/an id with "\/" \(Fabrikam Wellness Clinic\), %2F: 200, request-id [0-9a-f-]{36}/);
    expect(run.code).toBe(1);
  });

  it('6: a 429 without Retry-After', async () => {
    await startGraph();
    graph.faults.add({ status: 429, times: 1 });
    const run = await check([]);
    expect(findingOf(run.stdout, 6)).toMatch(/^6\. \[contradicted\] A 429 or 503 from Graph carries Retry-After/);
    expect(findingOf(run.stdout, 6)).toMatch(/1 without a readable Retry-After; first: 429 TooManyRequests, request-id [0-9a-f-]{36}/);
    expect(run.code).toBe(1);
  });

  it('7 (--cancel): the cancel answers 200 with a body', async () => {
    await startGraph({ quirks: { cancelAnswersWithBody: true } });
    const appointment = graph.store.calendarView(graph.store.business(CONTOSO)!, new Date(), new Date(Date.now() + 14 * 86_400_000)).find((a) => !a.id.includes('/'))!;
    const run = await check(['--cancel', CONTOSO, appointment.id, '--yes']);
    expect(findingOf(run.stdout, 7)).toMatch(/^7\. \[contradicted\] Cancelling an appointment/);
    expect(findingOf(run.stdout, 7)).toMatch(/POST …\/cancel: 200, request-id [0-9a-f-]{36}, with a body/);
    expect(run.code).toBe(1);
  });
});

describe('npm run check:tenant --cancel', () => {
  it('asks first, and cancels nothing unless told yes', async () => {
    await startGraph();
    const appointment = graph.store.calendarView(graph.store.business(CONTOSO)!, new Date(), new Date(Date.now() + 14 * 86_400_000)).find((a) => !a.id.includes('/'))!;
    const run = await check(['--cancel', CONTOSO, appointment.id], Readable.from(['no\n']));
    expect(run.stderr).toContain('Cancel it? Type yes to cancel: ');
    expect(findingOf(run.stdout, 7)).toMatch(/^7\. \[not testable here\] Cancelling an appointment[\s\S]*nothing cancelled: not confirmed/);
    expect(graph.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('does not send an id the bot would not send', async () => {
    await startGraph();
    const run = await check(['--cancel', CONTOSO, 'AAMk/../x', '--yes']);
    expect(findingOf(run.stdout, 7)).toContain('nothing sent: an appointment id holding "/" cannot be addressed');
    expect(graph.requests.filter((r) => r.method !== 'GET' || r.path.includes('..') || r.path.endsWith('x'))).toEqual([]);
  });

  it('as the operator runs it (a child process): signs in, reports, asks, and cancels one appointment end to end with 204', async () => {
    await startGraph();
    const appointment = graph.store.calendarView(graph.store.business(CONTOSO)!, new Date(), new Date(Date.now() + 14 * 86_400_000)).find((a) => !a.id.includes('/'))!;
    const tsx = import.meta.resolve('tsx');
    const child: ChildProcess = spawn(process.execPath, ['--import', tsx, join(repo, 'src/tenant-check/cli.ts'), '--env', 'test', '--cancel', CONTOSO, appointment.id, '--message', 'Sorry, the kitchen is closed that day.'], {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ENTRA_AUTHORITY_HOST: entra.url, GRAPH_BASE_URL: graph.url },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes('Type yes to cancel: ') && child.stdin!.writable) child.stdin!.end('yes\n');
    });
    signInWhenAsked(child.stderr!);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toContain(`To cancel: "${appointment.service.displayName}" on `);
    expect(stderr).toContain('Bookings sends its customer: "Sorry, the kitchen is closed that day."');
    expect(stdout).toContain('Summary: 6 confirmed, 0 contradicted, 1 not testable here.');
    expect(findingOf(stdout, 7)).toMatch(/^7\. \[confirmed\] Cancelling an appointment/);
    expect(findingOf(stdout, 7)).toMatch(/POST …\/cancel: 204, request-id [0-9a-f-]{36}\n/);
    expect(findingOf(stdout, 7)).toMatch(/GET the appointment again: 404 itemNotFound, request-id [0-9a-f-]{36}/);
    expect(code).toBe(0);
    expect(graph.store.cancellations).toEqual([expect.objectContaining({ appointmentId: appointment.id, cancellationMessage: 'Sorry, the kitchen is closed that day.', by: ADELE })]);
    expect(leaks({ code: code ?? -1, stdout, stderr })).toEqual([]);
    expect(stdout + stderr).not.toContain(appointment.id);
  }, 60_000);
});
