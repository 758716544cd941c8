import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createSeed, type Seed } from '../../src/local-graph/seed.js';
import { createTelemetry } from '../../src/telemetry/otelTelemetry.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';

/**
 * The bot's telemetry on local, in-memory OpenTelemetry providers (no distro, no globals, parallel-safe): every
 * finished span as the exporter would get it, and every metric point, delta as Azure Monitor exports them.
 */
export interface InMemoryTelemetry {
  telemetry: Telemetry;
  spans(): ReadableSpan[];
  /** Every data point of every metric since the last call (delta): name, attributes, value. */
  metrics(): Promise<MetricPoint[]>;
  reset(): void;
}

export interface MetricPoint {
  name: string;
  attributes: Record<string, string | number | boolean>;
  /** A counter's increase, or a histogram's { count, sum, min, max }. */
  value: number | { count: number; sum?: number; min?: number; max?: number };
}

export function inMemoryTelemetry(): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = createTelemetry({ tracer: tracerProvider.getTracer('bookings-bot'), meter: meterProvider.getMeter('bookings-bot') });
  return {
    telemetry,
    spans: () => exporter.getFinishedSpans(),
    async metrics() {
      await reader.forceFlush();
      const points = metricExporter.getMetrics().flatMap((resource) =>
        resource.scopeMetrics.flatMap((scope) =>
          scope.metrics.flatMap((metric) =>
            (metric.dataPoints as { attributes: MetricPoint['attributes']; value: MetricPoint['value'] }[]).map((point) => ({ name: metric.descriptor.name, attributes: point.attributes, value: point.value })),
          ),
        ),
      );
      metricExporter.reset();
      return points;
    },
    reset: () => exporter.reset(),
  };
}

/** The recognisable customer every appointment of the privacy seed has: none of it may leave in telemetry. */
export const CUSTOMER = { name: 'Zyxwv Qorpa', emailAddress: 'zyxwv.qorpa@example.com', phone: '+1 555 0100 999' } as const;
export const CANCELLATION_MESSAGE = 'Sorry Zyxwv, see you never';

/** The demo seed with every appointment's customer (and notes) replaced by one whose data is easy to find. */
export function recognisableSeed(now: Date): Seed {
  const seed = createSeed(now);
  return {
    ...seed,
    appointments: seed.appointments.map((a) => ({
      ...a,
      customer: { ...a.customer, ...CUSTOMER },
      customerNotes: 'Zyxwv wants the window seat',
      serviceNotes: 'Qorpa pays cash',
    })),
  };
}

/**
 * What telemetry must never hold: customers' names, e-mail addresses and phones, notes, the cancellation message,
 * appointment and business ids (a business id is its mailbox address), staff names and addresses, users' names,
 * addresses and object ids, and `tokens`.
 */
export function privateValues(seed: Seed, tokens: readonly string[] = []): string[] {
  const values = new Set<string>([CANCELLATION_MESSAGE, ...tokens]);
  for (const a of seed.appointments) [a.id, a.customer.name, a.customer.emailAddress, a.customer.phone, a.customerNotes ?? '', a.serviceNotes ?? ''].forEach((v) => values.add(v));
  for (const b of seed.businesses) {
    values.add(b.id);
    for (const s of b.staff) [s.id, s.displayName, s.emailAddress].forEach((v) => values.add(v));
  }
  for (const u of seed.users) [u.id, u.displayName, u.mail, u.userPrincipalName].forEach((v) => values.add(v));
  values.delete('');
  return [...values];
}

/** A JSON Web Token anywhere in a string (a leaked token of any kind). */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/;

/** Each exported string that holds a private value (any case, as is or URL-encoded), or a JWT. */
export function leaks(strings: readonly { path: string; value: string }[], secrets: readonly string[]): { path: string; value: string; secret: string }[] {
  const forms = secrets.flatMap((secret) => [...new Set([secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')])].map((form) => ({ secret, form: form.toLowerCase() })));
  const found: { path: string; value: string; secret: string }[] = [];
  for (const { path, value } of strings) {
    const lower = value.toLowerCase();
    for (const { secret, form } of forms) if (lower.includes(form)) found.push({ path, value, secret });
    if (JWT.test(value)) found.push({ path, value, secret: 'a JWT' });
  }
  return found;
}

/** Every string of every span (name, attribute keys and values, events) and metric point (name, attribute keys and values). */
export function telemetryStrings(spans: readonly ReadableSpan[], metrics: readonly MetricPoint[]): { path: string; value: string }[] {
  const out: { path: string; value: string }[] = [];
  spans.forEach((span, i) => {
    out.push({ path: `spans[${i}].name`, value: span.name });
    for (const [key, value] of Object.entries(span.attributes)) {
      out.push({ path: `spans[${i}] attribute key`, value: key }, { path: `spans[${i}].${key}`, value: String(value) });
    }
    span.events.forEach((event, j) => out.push({ path: `spans[${i}].events[${j}]`, value: event.name }));
    if (span.status.message) out.push({ path: `spans[${i}].status.message`, value: span.status.message });
  });
  metrics.forEach((point, i) => {
    out.push({ path: `metrics[${i}].name`, value: point.name });
    for (const [key, value] of Object.entries(point.attributes)) out.push({ path: `metrics[${i}] attribute key`, value: key }, { path: `metrics[${i}].${key}`, value: String(value) });
  });
  return out;
}
