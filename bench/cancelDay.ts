// The day's-cancellation phase (npm run bench -- --cancel-day; also part of the full run): one administrator's day
// of 20 appointments in one business, Graph 250 ms ±20% per request and Bookings' 4 requests per app and mailbox,
// the bot in production mode with its default settings. Each round: the day's prompt (Cancel this day), then Confirm
// with every box ticked; measured from Confirm: its answer (the first progress, or the summary), the summary visible
// (the answer, or the card updated in place), and the Graph requests it took. A last round does a day of 30 (the
// most one prompt offers) with Graph slower (600 ms), a day that cannot end within the answer's wait: it shows the
// answer with progress and the card updated in place as it goes.
import { writeFileSync } from 'node:fs';
import type { SeedAppointment } from '../src/local-graph/seed.js';
import { actionsOf, textsOf } from '../test/helpers/botHarness.js';
import { BotProcess } from '../test/helpers/botProcess.js';
import { runtimeFlags } from '../test/helpers/nodeFlags.js';
import { productionEnv } from '../test/helpers/productionHarness.js';
import { syntheticTenant } from '../test/helpers/syntheticTenant.js';
import { JITTER, LATENCY_MS, MAILBOX_CONCURRENCY, realisticPeers } from './realGraph.js';
import { quantile, log, r1 } from './stats.js';
import { teamsClickBody } from './teamsClick.js';

const DAY = 20;
const ROUNDS = 7;
const BIG_DAY = 30;
const SLOW_LATENCY_MS = 600;
const SUMMARY_TIMEOUT_MS = 30_000;
const MESSAGE = 'I am ill today, sorry. Please book a new time that suits you.';
const SUMMARY = /^Your appointments on /;
const LINE = /^Cancelled (\d+) of (\d+)$/;


interface Round {
  appointments: number;
  promptMs: number;
  /** Confirm's answer: the first progress (or the summary, when the day ended within the wait). */
  answerMs: number;
  answeredWith: 'progress' | 'summary' | 'other';
  /** "Cancelled n of N" in the answer. */
  answerCancelled: number;
  /** Until the summary was visible: the answer, or the update (PUT) of the same card. */
  summaryMs?: number;
  /** Card updates (PUTs of the card) after the answer. */
  updates: number;
  cancelled?: number;
  /** Graph requests from Confirm on: POSTs (cancels) and anything else; 429s. */
  posts: number;
  otherRequests: number;
  throttled: number;
  peakPerMailbox: number;
}

export interface CancelDayReport {
  rounds: Round[];
  summary: Record<string, unknown>;
}

/** Runs the phase with stand-ins of its own (loopback only); writes bench-results.cancel-day.json. */
export async function cancelDayPhase(): Promise<CancelDayReport> {
  const now = new Date();
  const tenant = syntheticTenant({ users: 1, staffPerBusiness: 1, listed: 1 }, now);
  const user = tenant.users[0]!;
  const peers = await realisticPeers(tenant.seed, [user]);
  const { entra, tokenService, connector, graph, authorization } = peers;
  // Default settings: TURN_TIMEOUT_MS 12 s, so Confirm answers within 2.5 s with the progress so far.
  const bot = await new BotProcess('ours (cancel day)', 'src/index.ts', productionEnv({ entra, tokenService, connector, graph }), runtimeFlags()).start();

  let clicks = 0;
  const click = async (verb: string, data: Record<string, unknown>, replyToId?: string) => {
    const body = teamsClickBody(connector.url, user, 'a:cancel-day', verb, data, replyToId ?? `day-card-${++clicks}`);
    const response = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: authorization }, body });
    const answer = (await response.json()) as { value?: Record<string, unknown> };
    return answer.value ?? {};
  };

  /** `count` appointments of the user's on a day `ahead` days away (UTC, the business's zone), 20 minutes apart from 08:00. */
  const busyDay = (ahead: number, count: number) => {
    const base = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + ahead, 8));
    const template = user.appointments[0]!;
    for (let n = 0; n < count; n++) {
      const start = new Date(base.getTime() + n * 20 * 60_000);
      graph.store.add({ ...template, id: `AAMkADday${ahead}x${n}${Math.random().toString(36).slice(2, 8)}=`, start, end: new Date(start.getTime() + 15 * 60_000) } satisfies SeedAppointment);
    }
    return new Date(base.getTime()).toISOString().slice(0, 10);
  };

  // Warm: the user's first list reads the tenant for their business (as it would have, days before they fall ill).
  await click('appointments.list', { offset: 0 });

  const round = async (ahead: number, count: number): Promise<Round> => {
    const day = busyDay(ahead, count);
    let t = performance.now();
    const prompt = await click('day.cancel.prompt', { day, scope: 'mine' });
    const promptMs = performance.now() - t;
    const confirm = actionsOf(prompt).find((a) => a.verb === 'day.cancel.confirm');
    if (!confirm) throw new Error(`no Confirm on the prompt: ${JSON.stringify(textsOf(prompt)).slice(0, 300)}`);
    const picks: [string, string][] = [...JSON.stringify(prompt).matchAll(/"type":"Input\.Toggle","id":"(pick\d+)"/g)].map((m) => [m[1]!, 'true']);
    const cardId = `day-card-${++clicks}`;
    const mark = { requests: graph.requests.length, throttled: graph.throttled, connector: connector.calls.length };
    graph.peakPerMailbox = 0;
    t = performance.now();
    const answer = await click('day.cancel.confirm', { ...(confirm.data as object), ...Object.fromEntries(picks), cancellationMessage: MESSAGE }, cardId);
    const answerMs = performance.now() - t;
    const texts = textsOf(answer);
    const answeredWith = SUMMARY.test(texts[0] ?? '') ? 'summary' : texts.some((x) => LINE.test(x)) ? 'progress' : 'other';
    const cancelledOn = (x: string[]) => Number(LINE.exec(x.find((y) => LINE.test(y)) ?? '')?.[1] ?? NaN);
    let summaryMs = answeredWith === 'summary' ? answerMs : undefined;
    let cancelled = answeredWith === 'summary' ? cancelledOn(texts) : undefined;
    let updates = 0;
    for (let from = mark.connector; summaryMs === undefined && performance.now() - t < SUMMARY_TIMEOUT_MS; ) {
      for (; from < connector.calls.length; from++) {
        const call = connector.calls[from]!;
        if (call.method !== 'PUT' || call.activityId !== cardId) continue;
        updates++;
        const card = textsOf(call.activity.attachments?.[0]?.content);
        if (SUMMARY.test(card[0] ?? '')) {
          summaryMs = performance.now() - t;
          cancelled = cancelledOn(card);
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const requests = graph.requests.slice(mark.requests).filter((r) => r.path !== '/v1.0/$batch');
    const posts = requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel')).length;
    return {
      appointments: count,
      promptMs: r1(promptMs),
      answerMs: r1(answerMs),
      answeredWith,
      answerCancelled: cancelledOn(texts),
      summaryMs: summaryMs === undefined ? undefined : r1(summaryMs),
      updates,
      cancelled,
      posts,
      otherRequests: requests.length - posts,
      throttled: graph.throttled - mark.throttled,
      peakPerMailbox: graph.peakPerMailbox,
    };
  };

  log(`cancel a day: ${DAY} appointments in one business × ${ROUNDS} rounds, then one day of ${BIG_DAY}; Graph ${LATENCY_MS} ms ±${JITTER * 100}%, ${MAILBOX_CONCURRENCY} per mailbox…`);
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push(await round(30 + i, DAY));
    log(`  round ${i + 1}: answer ${rounds.at(-1)!.answerMs} ms (${rounds.at(-1)!.answeredWith}), summary ${rounds.at(-1)!.summaryMs ?? 'never'} ms`);
  }
  graph.latencyMs = SLOW_LATENCY_MS;
  const big = await round(30 + ROUNDS, BIG_DAY);
  log(`  day of ${BIG_DAY}, Graph ${SLOW_LATENCY_MS} ms: answer ${big.answerMs} ms (${big.answeredWith}, ${big.answerCancelled} cancelled), summary ${big.summaryMs ?? 'never'} ms after ${big.updates} updates`);
  await bot.stop();
  await peers.stop();

  const of = (f: (r: Round) => number | undefined) => rounds.map(f).filter((x): x is number => x !== undefined);
  const summary = {
    rounds: rounds.length,
    promptP50Ms: r1(quantile(of((r) => r.promptMs), 0.5)),
    answerP50Ms: r1(quantile(of((r) => r.answerMs), 0.5)),
    answerMaxMs: r1(Math.max(...of((r) => r.answerMs))),
    summaryP50Ms: r1(quantile(of((r) => r.summaryMs), 0.5)),
    summaryMaxMs: of((r) => r.summaryMs).length === rounds.length ? r1(Math.max(...of((r) => r.summaryMs))) : null,
    allCancelled: rounds.filter((r) => r.cancelled === r.appointments).length,
    postsPerAppointment: r1(rounds.reduce((s, r) => s + r.posts, 0) / rounds.reduce((s, r) => s + r.appointments, 0)),
    otherRequests: rounds.reduce((s, r) => s + r.otherRequests, 0),
    throttled: rounds.reduce((s, r) => s + r.throttled, 0),
    peakPerMailbox: Math.max(...rounds.map((r) => r.peakPerMailbox)),
    bigDay: big,
  };
  const ms = (x: number | null | undefined) => (typeof x === 'number' ? `${(x / 1000).toFixed(2)} s` : 'never');
  log(`\nCancel a day: ${DAY} appointments, one business, Graph ${LATENCY_MS} ms ±${JITTER * 100}%, ${MAILBOX_CONCURRENCY} per mailbox, TURN_TIMEOUT_MS default (12 s), ${ROUNDS} rounds`);
  log(`${'measure'.padEnd(44)} | ${'ours'.padEnd(28)} | target`);
  log(`${'-'.repeat(44)}-+-${'-'.repeat(28)}-+-------`);
  const rows: [string, string, string][] = [
    ['prompt (Cancel this day) p50', ms(summary.promptP50Ms), ''],
    ['Confirm: first answer p50 / max', `${ms(summary.answerP50Ms)} / ${ms(summary.answerMaxMs)}`, 'max ≤ 3 s'],
    ['all cancelled, summary visible p50 / max', `${ms(summary.summaryP50Ms)} / ${ms(summary.summaryMaxMs)}`, 'max ≤ 15 s'],
    ['rounds with every appointment cancelled', `${summary.allCancelled} of ${rounds.length}`, 'all'],
    ['Graph requests per appointment (POSTs)', `${summary.postsPerAppointment}, other requests ${summary.otherRequests}`, '≤ 1, 0'],
    ['Graph 429s / most at once per mailbox', `${summary.throttled} / ${summary.peakPerMailbox}`, '0 / ≤ 4'],
    [`day of ${BIG_DAY}, Graph ${SLOW_LATENCY_MS} ms: answer (cancelled)`, `${ms(big.answerMs)} (${big.answeredWith}, ${big.answerCancelled} of ${BIG_DAY})`, '≤ 3 s'],
    [`day of ${BIG_DAY}, Graph ${SLOW_LATENCY_MS} ms: summary`, `${ms(big.summaryMs)} after ${big.updates} in place`, ''],
  ];
  for (const [name, value, target] of rows) log(`${name.padEnd(44)} | ${value.padEnd(28)} | ${target}`);
  writeFileSync('bench-results.cancel-day.json', JSON.stringify({ date: new Date().toISOString(), graph: { latencyMs: LATENCY_MS, slowLatencyMs: SLOW_LATENCY_MS, latencyJitter: JITTER, mailboxConcurrency: MAILBOX_CONCURRENCY }, summary, rounds }, null, 2));
  log('Written: bench-results.cancel-day.json');
  return { rounds, summary };
}
