/** The q-quantile (0..1) of a sample, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export function summarize(values: number[]): Summary {
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: values.length, p50: r(quantile(values, 0.5)), p95: r(quantile(values, 0.95)), p99: r(quantile(values, 0.99)) };
}

/** One line of the bench's report. */
export const log = (text: string): void => void process.stdout.write(`${text}\n`);

/** A figure to one decimal, as the reports print them. */
export const r1 = (x: number): number => Math.round(x * 10) / 10;
