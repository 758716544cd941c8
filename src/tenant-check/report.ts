import type { Finding, Verdict } from './observations.js';

/** One assumption as the operator reads it: its verdict, then the evidence, indented. */
export function renderFinding(finding: Finding, number: number): string {
  const lines = [`${number}. [${finding.verdict}] ${finding.assumption}`, ...finding.evidence.map((line) => `     ${line}`)];
  return `${lines.join('\n')}\n`;
}

export function renderSummary(findings: readonly Finding[]): string {
  const count = (verdict: Verdict) => findings.filter((f) => f.verdict === verdict).length;
  return `Summary: ${count('confirmed')} confirmed, ${count('contradicted')} contradicted, ${count('not testable here')} not testable here.\n`;
}
