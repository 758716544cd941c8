// The large-tenant phase (npm run bench -- --large-tenant; also part of the full run): 500 businesses of 10 staff,
// 30 signing-in users each staff in 3, Graph 250 ms ±20% and 4 requests per mailbox, the bot in production mode with
// its default settings. A: one user's first list; B: 30 users' first lists at once; C: the same 30 listing 6 times
// more; D: the longest answer of all. With --earlier-commit=<sha> (default abcedb7, the code before the scan; 'none'
// skips it) A and B also run against that commit's bot, unpacked with git archive into a temp dir, side by side.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { textsOf } from '../test/helpers/botHarness.js';
import { BotProcess } from '../test/helpers/botProcess.js';
import { type LargeTenantUser, largeTenant } from '../test/helpers/largeTenant.js';
import { runtimeFlags } from '../test/helpers/nodeFlags.js';
import { productionEnv } from '../test/helpers/productionHarness.js';
import { JITTER, LATENCY_MS, MAILBOX_CONCURRENCY, realisticPeers } from './realGraph.js';
import { quantile, log, r1 } from './stats.js';
import { teamsClickBody } from './teamsClick.js';

const SHAPE = { businesses: 500, staffPerBusiness: 10, users: 30, placesPerUser: 3, appointmentsPerPlace: 2 };
const STEADY_ROUNDS = 6;
/** Every wait is bounded: an answer, and the complete card after it. */
const ANSWER_TIMEOUT_MS = 30_000;
const COMPLETE_TIMEOUT_MS = 90_000;
const PROGRESS = /^Still checking (\d+) of (\d+) businesses for yours…/;
const ERROR_CARD = "Couldn't show";


interface Click {
  user: number;
  status: number;
  answerMs: number;
  /** The answer is an error card (or no card at all). */
  error: boolean;
  errorText?: string;
  progress: boolean;
  /** Until the complete list was visible: the answer, or the connector update of the same card; undefined: never. */
  completeMs?: number;
  /** How the complete list arrived: 'answer', 'PUT' (the card replaced), 'POST' (a new message), or undefined. */
  completeBy?: 'answer' | 'PUT' | 'POST';
  completeIsError?: boolean;
  /** Appointments the complete card counts (the "1–5 of N" total, else the customers shown). */
  appointments?: number;
  expected: number;
}

function appointmentsOn(card: unknown): number {
  const texts = textsOf(card);
  for (const t of texts) {
    const m = /\d+–\d+ of (\d+)/.exec(t);
    if (m) return Number(m[1]);
  }
  return texts.filter((t) => t.startsWith('Customer:')).length;
}

export interface LargeTenantReport {
  ours: Record<string, unknown>;
  earlier?: Record<string, unknown>;
  earlierNote?: string;
}

/** Runs the phase with stand-ins of its own (loopback only); returns what it printed, also written to bench-results.large-tenant.json. */
export async function largeTenantPhase(argv: string[] = process.argv): Promise<LargeTenantReport> {
  const now = new Date();
  const tenant = largeTenant(SHAPE, now);
  const users = tenant.users;
  const peers = await realisticPeers(tenant.seed, users, () => now);
  const { entra, tokenService, connector, graph, authorization } = peers;
  // Default settings: no TURN_TIMEOUT_MS, LIST_PAGE_SIZE or MEMBERSHIP_CACHE_SECONDS of the benchmark's own.
  const env = productionEnv({ entra, tokenService, connector, graph });

  // Connector calls are stamped when first seen (every 10 ms): the time the complete card became visible.
  const seenAt: number[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      while (seenAt.length < connector.calls.length) seenAt.push(performance.now());
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  const earlierArg = argv.find((a) => a.startsWith('--earlier-commit='))?.slice('--earlier-commit='.length) ?? 'abcedb7';
  let earlierDir: string | undefined;
  let earlierNote: string | undefined;
  if (earlierArg !== 'none') {
    try {
      earlierDir = mkdtempSync(join(tmpdir(), 'bookings-bench-earlier-'));
      // git archive: a plain copy of the commit's tree, leaving the repository (and its worktree list) as it is.
      const tar = execFileSync('git', ['archive', '--format=tar', earlierArg], { maxBuffer: 512 * 2 ** 20 });
      execFileSync('tar', ['-x', '-C', earlierDir], { input: tar });
      symlinkSync(join(process.cwd(), 'node_modules'), join(earlierDir, 'node_modules'), 'dir');
    } catch (error) {
      earlierNote = `could not unpack ${earlierArg}: ${(error as Error).message}`;
      earlierDir = undefined;
    }
  }
  const launch = async (name: string, root?: string) => {
    const checkout = root ? pathToFileURL(`${root}/`) : undefined;
    return new BotProcess(name, root ? join(root, 'src/index.ts') : 'src/index.ts', env, runtimeFlags(checkout)).start();
  };

  let clickNumber = 0;
  /** One list click of one user, answered and then followed until the complete list is visible (bounded). */
  async function click(bot: BotProcess, user: LargeTenantUser, at: number = performance.now()): Promise<Click> {
    const replyToId = `large-card-${++clickNumber}`;
    const conversationId = `a:large-${user.index}`;
    const body = teamsClickBody(connector.url, user, conversationId, 'appointments.list', { offset: 0 }, replyToId);
    const expected = user.appointments.length;
    const calledBefore = connector.calls.length;
    let status = 0;
    let text = '';
    try {
      const response = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: authorization }, body, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
      status = response.status;
      text = await response.text();
    } catch (error) {
      text = `(no answer: ${(error as Error).message})`;
    }
    const answerMs = performance.now() - at;
    // An answer that is not JSON (no answer at all, a server's error page) counts as an error below.
    const answer = (status === 200 && text.startsWith('{') ? JSON.parse(text) : {}) as { statusCode?: number; type?: string; value?: unknown };
    const isCard = status === 200 && answer.statusCode === 200 && answer.type === 'application/vnd.microsoft.card.adaptive';
    const error = !isCard || JSON.stringify(answer.value ?? '').includes(ERROR_CARD);
    const progress = isCard && textsOf(answer.value).some((t) => PROGRESS.test(t));
    const result: Click = { user: user.index, status, answerMs, error, progress, expected, ...(error ? { errorText: text.slice(0, 300) } : {}) };
    if (error) return result;
    if (!progress) return { ...result, completeMs: answerMs, completeBy: 'answer', completeIsError: false, appointments: appointmentsOn(answer.value) };
    // The complete list: the PUT replacing this card, or a message following it in the conversation, without progress.
    const deadline = performance.now() + COMPLETE_TIMEOUT_MS;
    for (let from = calledBefore; performance.now() < deadline; ) {
      for (; from < connector.calls.length; from++) {
        const call = connector.calls[from]!;
        const card = call.activity.attachments?.[0]?.content;
        if (!card || call.conversationId !== conversationId) continue;
        const replaces = call.method === 'PUT' && call.activityId === replyToId;
        if (!replaces && call.method !== 'POST') continue;
        if (textsOf(card).some((t) => PROGRESS.test(t))) continue;
        while (seenAt.length <= from) seenAt.push(performance.now());
        return { ...result, completeMs: seenAt[from]! - at, completeBy: replaces ? 'PUT' : 'POST', completeIsError: JSON.stringify(card).includes(ERROR_CARD), appointments: appointmentsOn(card) };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return result;
  }

  const stats = (clicks: Click[]) => {
    const answers = clicks.map((c) => c.answerMs);
    const completes = clicks.filter((c) => c.completeMs !== undefined).map((c) => c.completeMs!);
    return {
      clicks: clicks.length,
      answerP50Ms: r1(quantile(answers, 0.5)),
      answerMaxMs: r1(Math.max(...answers)),
      completeP50Ms: completes.length ? r1(quantile(completes, 0.5)) : null,
      completeMaxMs: completes.length === clicks.length ? r1(Math.max(...completes)) : null,
      neverComplete: clicks.length - completes.length,
      errorCards: clicks.filter((c) => c.error || c.completeIsError).length,
      withProgress: clicks.filter((c) => c.progress).length,
      allAppointments: clicks.filter((c) => c.appointments === c.expected).length,
      completeBy: [...new Set(clicks.map((c) => c.completeBy ?? 'never'))].join('/'),
      firstError: clicks.find((c) => c.errorText)?.errorText,
    };
  };
  const graphMark = () => ({ requests: graph.requests.length, throttled: graph.throttled, token: tokenService.calls.length, obo: entra.oboCalls().length });
  const graphSince = (mark: ReturnType<typeof graphMark>) => {
    const requests = graph.requests.slice(mark.requests);
    return {
      graphRequests: requests.filter((r) => r.path !== '/v1.0/$batch').length,
      batches: requests.filter((r) => r.path === '/v1.0/$batch').length,
      throttled: graph.throttled - mark.throttled,
      tokenServiceCalls: tokenService.calls.length - mark.token,
      oboCalls: entra.oboCalls().length - mark.obo,
    };
  };

  /** A (user 0 alone) on one fresh bot, then B (all 30 at once) on another; C after B when asked. */
  async function runBot(name: string, root: string | undefined, steady: boolean) {
    const out: Record<string, unknown> = {};
    const botA = await launch(`${name} (A)`, root);
    let mark = graphMark();
    const a = await click(botA, users[0]!);
    out.A = { ...a, ...graphSince(mark) };
    await botA.stop();
    log(`  ${name} A: answer ${r1(a.answerMs)} ms${a.progress ? ' (with progress)' : ''}${a.error ? ' ERROR CARD' : ''}, complete ${a.completeMs === undefined ? 'never' : `${r1(a.completeMs)} ms`}`);
    await new Promise((r) => setTimeout(r, 1000)); // the stopped bot's last Graph requests drain

    const botB = await launch(`${name} (B)`, root);
    mark = graphMark();
    const at = performance.now();
    const b = await Promise.all(users.map((u) => click(botB, u, at)));
    out.B = { ...stats(b), ...graphSince(mark), perUser: b };
    log(`  ${name} B: answer p50 ${(out.B as { answerP50Ms: number }).answerP50Ms} ms max ${(out.B as { answerMaxMs: number }).answerMaxMs} ms`);
    const all = [a, ...b];
    if (steady) {
      mark = graphMark();
      const c: Click[] = [];
      for (let round = 0; round < STEADY_ROUNDS; round++) c.push(...(await Promise.all(users.map((u) => click(botB, u)))));
      const g = graphSince(mark);
      out.C = { ...stats(c), ...g, graphRequestsPerClick: r1(g.graphRequests / c.length), tokenServiceCallsPerClick: g.tokenServiceCalls / c.length };
      all.push(...c);
      log(`  ${name} C: ${c.length} clicks, ${(out.C as { graphRequestsPerClick: number }).graphRequestsPerClick} Graph requests per click`);
    }
    out.D = { longestAnswerMs: r1(Math.max(...all.map((x) => x.answerMs))), clicks: all.length };
    if (botB.stderr.length) out.stderr = botB.stderr.slice(-5);
    await botB.stop();
    await new Promise((r) => setTimeout(r, 1000));
    return out;
  }

  log(`large tenant: ${SHAPE.businesses} businesses × ${SHAPE.staffPerBusiness} staff, ${SHAPE.users} users in ${SHAPE.placesPerUser} each, Graph ${LATENCY_MS} ms ±${JITTER * 100}%, ${MAILBOX_CONCURRENCY} per mailbox…`);
  const report: LargeTenantReport = { ours: await runBot('ours', undefined, true) };
  if (earlierDir) {
    try {
      report.earlier = await runBot(`earlier ${earlierArg}`, earlierDir, false);
    } catch (error) {
      earlierNote = `earlier ${earlierArg} did not run: ${(error as Error).message}`;
    }
  }
  if (earlierNote) report.earlierNote = earlierNote;
  watching = false;
  await watcher;
  await peers.stop();
  if (earlierDir) rmSync(earlierDir, { recursive: true, force: true });

  printTable(report, earlierArg);
  writeFileSync('bench-results.large-tenant.json', JSON.stringify({ date: new Date().toISOString(), shape: SHAPE, graph: { latencyMs: LATENCY_MS, latencyJitter: JITTER, mailboxConcurrency: MAILBOX_CONCURRENCY }, ...report }, null, 2));
  log('Written: bench-results.large-tenant.json');
  return report;
}

function printTable(report: LargeTenantReport, earlierName: string): void {
  type Any = Record<string, Record<string, unknown> | undefined>;
  const o = report.ours as Any;
  const e = report.earlier as Any | undefined;
  const str = (x: unknown): string => (x === undefined || x === null ? '-' : typeof x === 'object' ? JSON.stringify(x) : typeof x === 'string' ? x : JSON.stringify(x));
  const ms = (x: unknown) => (typeof x === 'number' ? `${(x / 1000).toFixed(2)} s` : x === null || x === undefined ? 'never' : str(x));
  const yn = (x: unknown) => (x ? 'yes' : 'no');
  const rows: [string, (s: Any) => string, string][] = [
    ['A answer (1 new user)', (s) => ms(s.A?.answerMs), '≤ 5 s'],
    ['A error card', (s) => yn(s.A?.error || s.A?.completeIsError), 'never'],
    ['A progress line', (s) => yn(s.A?.progress), ''],
    ['A complete list visible', (s) => `${ms(s.A?.completeMs)}${s.A?.completeBy ? ` (${str(s.A.completeBy)})` : ''}`, '≤ 30 s'],
    ['A appointments in final card', (s) => `${str(s.A?.appointments)} of ${str(s.A?.expected)}`, 'all'],
    ['A Graph requests / throttled', (s) => `${str(s.A?.graphRequests)} / ${str(s.A?.throttled)}`, ''],
    ['B answer p50 / max (30 at once)', (s) => `${ms(s.B?.answerP50Ms)} / ${ms(s.B?.answerMaxMs)}`, 'max ≤ 5 s'],
    ['B complete p50 / max', (s) => `${ms(s.B?.completeP50Ms)} / ${ms(s.B?.completeMaxMs)}${s.B?.neverComplete ? ` (${str(s.B.neverComplete)} never)` : ''}`, 'max ≤ 30 s'],
    ['B error cards', (s) => str(s.B?.errorCards), '0'],
    ['B with progress / all appointments', (s) => `${str(s.B?.withProgress)} / ${str(s.B?.allAppointments)} of 30`, '- / 30'],
    ['B Graph 429s (error cards from them)', (s) => `${str(s.B?.throttled)} (${str(s.B?.errorCards)})`, '0 reach users'],
    ['B Graph requests (batch members)', (s) => `${str(s.B?.graphRequests)} in ${str(s.B?.batches)} batches`, ''],
    ['C Graph requests per list click', (s) => (s.C ? `${str(s.C.graphRequestsPerClick)} (${str(s.C.graphRequests)}/${str(s.C.clicks)})` : 'not run'), '≤ 3'],
    ['C token service calls', (s) => (s.C ? `${str(s.C.tokenServiceCalls)} (OBO ${str(s.C.oboCalls)})` : 'not run'), '0'],
    ['C answer p50 / max, error cards', (s) => (s.C ? `${ms(s.C.answerP50Ms)} / ${ms(s.C.answerMaxMs)}, ${str(s.C.errorCards)}` : 'not run'), ''],
    ['D longest answer of all clicks', (s) => `${ms(s.D?.longestAnswerMs)} of ${str(s.D?.clicks)}`, '≤ 10 s'],
  ];
  const w = 38;
  const col = 30;
  log(`\nLarge tenant: 500 businesses × 10 staff, 30 users × 3 places × ${SHAPE.appointmentsPerPlace} appointments, Graph ${LATENCY_MS} ms ±${JITTER * 100}%, ${MAILBOX_CONCURRENCY} per mailbox, TURN_TIMEOUT_MS default (12 s)`);
  log(`${'measure'.padEnd(w)} | ${'ours (HEAD + working tree)'.padEnd(col)} | ${(e ? `earlier ${earlierName}` : 'earlier').padEnd(col)} | target`);
  log(`${'-'.repeat(w)}-+-${'-'.repeat(col)}-+-${'-'.repeat(col)}-+-------`);
  for (const [name, f, target] of rows) log(`${name.padEnd(w)} | ${f(o).padEnd(col)} | ${(e ? f(e) : 'not run').padEnd(col)} | ${target}`);
  if (report.earlierNote) log(`earlier: ${report.earlierNote}`);
  for (const [label, s] of [['ours', o], ['earlier', e]] as const) {
    const first = (s?.B?.firstError ?? (s?.A?.errorText as string | undefined)) as string | undefined;
    if (first) log(`${label} first error answer: ${first}`);
  }
}
