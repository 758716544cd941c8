// The rounds phase of `npm run bench` (`--rounds` runs it alone): how many far-side round trips a signed-in user
// waits for per click. Every stand-in (Token Service, Entra ID, Graph) adds the same latency to each request; a
// click's rounds are (p50 at 100 ms − p50 at 0 ms) / 100. The far-side requests of each click are read at the
// stand-ins and printed in order: "a ∥ b" ran at the same time, "a → b" one after the other.
import type { LocalGraphService } from '../src/local-graph/server.js';
import { actionsOf } from '../test/helpers/botHarness.js';
import type { BotProcess } from '../test/helpers/botProcess.js';
import type { FakeConnector } from '../test/helpers/connector.js';
import type { LocalEntra } from '../test/helpers/standins/entra.js';
import type { WireCall } from '../test/helpers/standins/http.js';
import type { LocalTokenService } from '../test/helpers/standins/tokenService.js';
import type { SyntheticUser } from '../test/helpers/syntheticTenant.js';
import { teamsClickBody } from './teamsClick.js';

export type ClickKind = 'list' | 'show more' | 'cancel prompt' | 'confirm';
export const CLICK_KINDS: ClickKind[] = ['list', 'show more', 'cancel prompt', 'confirm'];

export interface RoundsRow {
  click: ClickKind;
  businesses: number;
  p50At0Ms: number;
  p50AtLatencyMs: number;
  rounds: number;
  /** The far-side requests of one click at the latency, by service, in order. */
  sequence: string;
  /** Requests per service in that click. */
  requests: Record<string, number>;
}

export interface FarSide {
  entra: LocalEntra;
  tokenService: LocalTokenService;
  graph: LocalGraphService;
  connector: FakeConnector;
}

interface Card {
  actions?: unknown;
  [key: string]: unknown;
}

type Labelled = WireCall & { label: string };

/** A click as Teams sends it, answered with the card that replaces the clicked one. */
async function click(bot: BotProcess, far: FarSide, authorization: string, user: SyntheticUser, verb: unknown, data: unknown): Promise<Card> {
  const body = teamsClickBody(far.connector.url, user, `a:rounds-${user.index}`, verb, data);
  const response = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: authorization }, body });
  const answer = (await response.json()) as { statusCode?: number; type?: string; value?: Card };
  if (response.status !== 200 || answer.statusCode !== 200 || answer.type !== 'application/vnd.microsoft.card.adaptive') {
    throw new Error(`rounds: ${String(verb)} answered ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
  }
  return answer.value!;
}

function button(card: Card, title: string): { verb: unknown; data: Record<string, unknown> } {
  const found = actionsOf(card).find((a) => a.title === title);
  if (!found) throw new Error(`rounds: no "${title}" on the card`);
  return { verb: found.verb, data: found.data as Record<string, unknown> };
}

/** The Graph resource a request was for, by the shape of its path. */
function graphLabel(method: string, path: string): string {
  const p = decodeURIComponent(path);
  if (method === 'POST' && p.endsWith('/cancel')) return 'Graph cancel POST';
  if (p.endsWith('/me')) return 'Graph me';
  if (p.endsWith('/calendarView')) return 'Graph calendarView';
  if (p.endsWith('/staffMembers')) return 'Graph staffMembers';
  if (/\/appointments\/[^/]+$/.test(p)) return 'Graph appointment';
  if (p.endsWith('/bookingBusinesses')) return 'Graph businesses';
  return `Graph ${method} other`;
}

function tokenServiceLabel(call: WireCall): string {
  return `Token Service ${call.path.split('/').pop()}`;
}

/** Every far-side request that started within [from, to]. */
function farSideBetween(far: FarSide, from: number, to: number): Labelled[] {
  const within = (c: { startedAt: number }) => c.startedAt >= from && c.startedAt <= to;
  return [
    ...far.tokenService.server.wire.filter(within).map((c) => ({ ...c, label: tokenServiceLabel(c) })),
    ...far.entra.server.wire.filter(within).filter((c) => c.path.endsWith('/token')).map((c) => ({ ...c, label: 'Entra token' })),
    ...far.graph.requests.filter(within).map((r) => ({ method: r.method, path: r.path, startedAt: r.startedAt, endedAt: r.endedAt, label: graphLabel(r.method, r.path) })),
  ].sort((a, b) => a.startedAt - b.startedAt);
}

/** "a ∥ b → c": requests that overlap in time are one step; a step starts once the one before has ended. */
function sequenceOf(calls: Labelled[]): string {
  const steps: { labels: string[]; endsAt: number }[] = [];
  for (const call of calls) {
    const last = steps.at(-1);
    if (last && call.startedAt < last.endsAt) {
      last.labels.push(call.label);
      last.endsAt = Math.max(last.endsAt, call.endedAt ?? call.startedAt);
    } else {
      steps.push({ labels: [call.label], endsAt: call.endedAt ?? call.startedAt });
    }
  }
  return steps.length === 0 ? '(none)' : steps.map((s) => collapse(s.labels).join(' ∥ ')).join(' → ');
}

/** ["Graph calendarView", "Graph calendarView"] → ["Graph calendarView ×2"]. */
function collapse(labels: string[]): string[] {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts].map(([label, n]) => (n > 1 ? `${label} ×${n}` : label));
}

function countsOf(calls: Labelled[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const service = call.label.startsWith('Graph') ? 'Graph' : call.label.startsWith('Entra') ? 'Entra ID' : 'Token Service';
    counts[service] = (counts[service] ?? 0) + 1;
  }
  return counts;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Measures the four clicks for `user` (staff of `businesses` businesses) `reps` times at each latency. Each rep:
 * list → Show more → Cancel on one of the user's appointments → Confirm on that prompt; caches warm (a first round
 * of clicks is not counted).
 */
export async function measureRounds(
  bot: BotProcess,
  far: FarSide,
  authorization: string,
  user: SyntheticUser,
  businesses: number,
  reps: number,
  latencyMs: number,
): Promise<RoundsRow[]> {
  const targets = [...user.appointments].reverse(); // the ones past the list's window: the list stays the same
  const samples = new Map<ClickKind, { at0: number[]; atLatency: number[]; calls?: Labelled[] }>(CLICK_KINDS.map((k) => [k, { at0: [], atLatency: [] }]));
  const setLatency = (ms: number) => {
    far.graph.latencyMs = ms;
    far.entra.server.latencyMs = ms;
    far.tokenService.server.latencyMs = ms;
  };
  const timed = async (kind: ClickKind, latency: number, counted: boolean, work: () => Promise<Card>): Promise<Card> => {
    const started = performance.now();
    const card = await work();
    const ended = performance.now();
    const sample = samples.get(kind)!;
    if (counted) (latency === 0 ? sample.at0 : sample.atLatency).push(ended - started);
    // Wait for the stand-ins' last answers to be marked as sent before reading them.
    if (counted && latency > 0 && !sample.calls) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      sample.calls = farSideBetween(far, started, ended);
    }
    return card;
  };
  let next = 0;
  for (const latency of [0, latencyMs]) {
    setLatency(latency);
    for (let rep = -1; rep < reps; rep++) {
      const counted = rep >= 0;
      const list = await timed('list', latency, counted, () => click(bot, far, authorization, user, 'appointments.list', { offset: 0 }));
      const more = button(list, 'Show more');
      await timed('show more', latency, counted, () => click(bot, far, authorization, user, more.verb, more.data));
      const target = targets[next++];
      if (!target) throw new Error('rounds: the user has run out of appointments to cancel');
      const prompt = await timed('cancel prompt', latency, counted, () =>
        click(bot, far, authorization, user, 'appointment.cancel.prompt', { businessId: target.businessId, appointmentId: target.id, lang: 'en-US' }),
      );
      const confirm = button(prompt, 'Confirm cancellation');
      await timed('confirm', latency, counted, () => click(bot, far, authorization, user, confirm.verb, { ...confirm.data, cancellationMessage: 'Sorry, we have to cancel.' }));
    }
  }
  setLatency(0);
  return CLICK_KINDS.map((kind) => {
    const { at0, atLatency, calls = [] } = samples.get(kind)!;
    const [p0, pL] = [median(at0), median(atLatency)];
    return { click: kind, businesses, p50At0Ms: round(p0), p50AtLatencyMs: round(pL), rounds: Math.round(((pL - p0) / latencyMs) * 100) / 100, sequence: sequenceOf(calls), requests: countsOf(calls) };
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
