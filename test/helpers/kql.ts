import type { Envelope, MetricsData, RemoteDependencyData, RequestData } from './standins/ingestion.js';

/*
 * The five operator questions of docs/operations.md ("Telemetry: the questions and their KQL"), evaluated over the
 * envelopes the ingestion stand-in accepted, the way Application Insights turns them into rows: the tags become
 * columns (operation_Id, operation_ParentId, cloud_RoleInstance, user_Id), baseData.properties customDimensions,
 * sampleRate itemCount, a metric point valueSum/valueCount/valueMin/valueMax. Each function follows its query
 * clause by clause, so what it returns here is what the query would return from the same telemetry.
 */

export interface Row {
  timestamp: string;
  operation_Id: string;
  operation_ParentId?: string;
  cloud_RoleInstance: string;
  user_Id?: string;
  itemCount: number;
  customDimensions: Record<string, string>;
}

export interface RequestRow extends Row {
  id: string;
  name: string;
  success: boolean;
  resultCode: string;
  duration: number;
}

export interface DependencyRow extends Row {
  id: string;
  name: string;
  type: string;
  target: string;
  data: string;
  success: boolean;
  resultCode: string;
  duration: number;
}

export interface MetricRow extends Row {
  name: string;
  valueSum: number;
  valueCount: number;
  valueMin?: number;
  valueMax?: number;
}

/** 'DD.HH:MM:SS.MMMMMM' (or without days) in ms, as the tables hold `duration`. */
export function msOf(timespan: string): number {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(timespan);
  if (!m) throw new Error(`not a timespan: ${timespan}`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60_000 + Number(m[4]) * 1000;
}

function rowOf(e: Envelope, properties: Record<string, string> | undefined): Row {
  const tags = e.tags ?? {};
  return {
    timestamp: e.time,
    operation_Id: tags['ai.operation.id'] ?? '',
    operation_ParentId: tags['ai.operation.parentId'],
    cloud_RoleInstance: tags['ai.cloud.roleInstance'] ?? '',
    user_Id: tags['ai.user.id'],
    itemCount: Math.round(100 / (e.sampleRate ?? 100)),
    customDimensions: properties ?? {},
  };
}

export function tablesOf(envelopes: readonly Envelope[]): { requests: RequestRow[]; dependencies: DependencyRow[]; customMetrics: MetricRow[] } {
  const requests: RequestRow[] = [];
  const dependencies: DependencyRow[] = [];
  const customMetrics: MetricRow[] = [];
  for (const e of envelopes) {
    const data = e.data?.baseData;
    if (e.data?.baseType === 'RequestData') {
      const r = data as unknown as RequestData;
      requests.push({ ...rowOf(e, r.properties), id: r.id, name: r.name ?? '', success: r.success, resultCode: r.responseCode, duration: msOf(r.duration) });
    } else if (e.data?.baseType === 'RemoteDependencyData') {
      const d = data as unknown as RemoteDependencyData;
      dependencies.push({ ...rowOf(e, d.properties), id: d.id ?? '', name: d.name, type: d.type ?? '', target: d.target ?? '', data: d.data ?? '', success: d.success ?? true, resultCode: d.resultCode ?? '', duration: msOf(d.duration) });
    } else if (e.data?.baseType === 'MetricData') {
      const m = data as unknown as MetricsData;
      const point = m.metrics[0]!;
      customMetrics.push({ ...rowOf(e, m.properties), name: point.name, valueSum: point.value, valueCount: point.count ?? 1, valueMin: point.min, valueMax: point.max });
    }
  }
  return { requests, dependencies, customMetrics };
}

/** percentile(x, p) as Kusto computes it for small sets: the nearest rank. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const hourOf = (timestamp: string) => `${timestamp.slice(0, 13)}:00:00Z`;
const dayOf = (timestamp: string) => `${timestamp.slice(0, 10)}T00:00:00Z`;

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

const sumOf = <T>(rows: readonly T[], f: (row: T) => number) => rows.reduce((n, row) => n + f(row), 0);

/** 1. Why did this user's click fail? Their failed turns, each with the calls it made. */
export function whyDidTheClickFail(t: ReturnType<typeof tablesOf>, who: string) {
  const failed = t.requests
    .filter((r) => r.user_Id === who && !r.success)
    .map((r) => ({ timestamp: r.timestamp, operation_Id: r.operation_Id, name: r.name, verb: r.customDimensions['bot.verb'] ?? '', outcome: r.customDimensions['bot.outcome'] ?? '', error: r.customDimensions['bot.error_code'] ?? '', duration: r.duration, cloud_RoleInstance: r.cloud_RoleInstance }));
  const calls = t.dependencies.map((d) => ({
    operation_Id: d.operation_Id,
    call: d.name,
    target: d.target,
    resultCode: d.resultCode,
    callOk: d.success,
    callMs: d.duration,
    graphRequestId: d.customDimensions['graph.request_id'] ?? '',
    clientRequestId: d.customDimensions['graph.client_request_id'] ?? '',
    retries: d.customDimensions['http.request.resend_count'] === undefined ? null : Number(d.customDimensions['http.request.resend_count']),
  }));
  // join kind=leftouter on operation_Id; order by timestamp desc, callOk asc
  return failed
    .flatMap((r) => {
      const matched = calls.filter((c) => c.operation_Id === r.operation_Id);
      return matched.length > 0 ? matched.map((c) => ({ ...r, ...c })) : [{ ...r }];
    })
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp) || Number('callOk' in a && a.callOk) - Number('callOk' in b && b.callOk));
}

/** 2. How slow is Graph for us? Per route and hour: calls, failures, p50/p95/p99. */
export function howSlowIsGraph(t: ReturnType<typeof tablesOf>) {
  const graph = t.dependencies.filter((d) => d.customDimensions['bot.service'] === 'graph');
  return [...groupBy(graph, (d) => `${d.name}|${hourOf(d.timestamp)}`)]
    .map(([, rows]) => ({
      name: rows[0]!.name,
      timestamp: hourOf(rows[0]!.timestamp),
      calls: sumOf(rows, (d) => d.itemCount),
      failed: sumOf(rows.filter((d) => !d.success), (d) => d.itemCount),
      p50: round(percentile(rows.map((d) => d.duration), 50)),
      p95: round(percentile(rows.map((d) => d.duration), 95)),
      p99: round(percentile(rows.map((d) => d.duration), 99)),
    }))
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp) || b.p95 - a.p95);
}

/** 3. How many 429s, and how long did we wait? The throttled calls, then the Retry-After metric. */
export function howManyThrottles(t: ReturnType<typeof tablesOf>) {
  const throttled = [...groupBy(t.dependencies.filter((d) => d.customDimensions['bot.service'] === 'graph' && d.resultCode === '429'), (d) => `${d.name}|${hourOf(d.timestamp)}`)].map(([, rows]) => ({
    name: rows[0]!.name,
    timestamp: hourOf(rows[0]!.timestamp),
    throttled: sumOf(rows, (d) => d.itemCount),
  }));
  const counted = [...groupBy(t.customMetrics.filter((m) => m.name === 'bookings.graph.throttled'), (m) => `${m.customDimensions.route}|${m.customDimensions.status}|${hourOf(m.timestamp)}`)].map(([, rows]) => ({
    route: rows[0]!.customDimensions.route ?? '',
    status: rows[0]!.customDimensions.status ?? '',
    timestamp: hourOf(rows[0]!.timestamp),
    answers: sumOf(rows, (m) => m.valueSum),
  }));
  const waits = [...groupBy(t.customMetrics.filter((m) => m.name === 'bookings.graph.retry_after'), (m) => `${m.customDimensions.route}|${m.customDimensions.waited}|${hourOf(m.timestamp)}`)].map(([, rows]) => ({
    route: rows[0]!.customDimensions.route ?? '',
    waited: rows[0]!.customDimensions.waited ?? '',
    timestamp: hourOf(rows[0]!.timestamp),
    waits: sumOf(rows, (m) => m.valueCount),
    totalWaitS: sumOf(rows, (m) => m.valueSum),
    longestS: Math.max(...rows.map((m) => m.valueMax ?? m.valueSum)),
  }));
  return { throttledCalls: throttled, throttledAnswers: counted, retryAfter: waits };
}

/** 4. How many cancellations a day, and how many failed? Per day, one column per outcome. */
export function cancellationsPerDay(t: ReturnType<typeof tablesOf>) {
  const rows = t.customMetrics.filter((m) => m.name === 'bookings.cancellations');
  return [...groupBy(rows, (m) => dayOf(m.timestamp))]
    .map(([day, ofDay]) => ({ day, ...Object.fromEntries([...groupBy(ofDay, (m) => m.customDimensions.outcome ?? '')].map(([outcome, r]) => [outcome, sumOf(r, (m) => m.valueSum)])) }))
    .sort((a, b) => b.day.localeCompare(a.day));
}

/** 5. Is one instance unwell? Per instance: turns, failed %, p95, its calls' failed % and p95, when it last sent. */
export function isOneInstanceUnwell(t: ReturnType<typeof tablesOf>) {
  const instances = new Set([...t.requests, ...t.dependencies, ...t.customMetrics].map((r) => r.cloud_RoleInstance));
  return [...instances]
    .map((instance) => {
      const req = t.requests.filter((r) => r.cloud_RoleInstance === instance);
      const dep = t.dependencies.filter((d) => d.cloud_RoleInstance === instance);
      const met = t.customMetrics.filter((m) => m.cloud_RoleInstance === instance);
      const turns = sumOf(req, (r) => r.itemCount);
      const calls = sumOf(dep, (d) => d.itemCount);
      const latest = (rows: Row[]) => rows.map((r) => r.timestamp).sort().at(-1) ?? null;
      return {
        instance,
        turns,
        failedPct: turns ? round((100 * sumOf(req.filter((r) => !r.success), (r) => r.itemCount)) / turns) : null,
        p95ms: req.length ? round(percentile(req.map((r) => r.duration), 95)) : null,
        callFailedPct: calls ? round((100 * sumOf(dep.filter((d) => !d.success), (d) => d.itemCount)) / calls) : null,
        callP95ms: dep.length ? round(percentile(dep.map((d) => d.duration), 95)) : null,
        lastTurn: latest(req),
        lastMetric: latest(met),
      };
    })
    .sort((a, b) => (b.failedPct ?? -1) - (a.failedPct ?? -1));
}
