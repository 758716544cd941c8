import { retryAfterSeconds } from '../../graph/errors.js';
import { answerOf, type Finding, type Observations, tally } from '../observations.js';

export const THROTTLING = 'A 429 or 503 from Graph carries Retry-After (seconds or an HTTP date)';

/** learn.microsoft.com/graph/throttling; graph/errors.ts and the client's retry policy read the header. */
export function checkThrottling(observations: Observations): Finding {
  const asked = observations.all.filter((e) => e.status === 429 || e.status === 503);
  const burst = observations.burst;
  const evidence = [
    `${observations.all.length} requests${burst ? `, ${burst.exchanges.length} of them at once to ${burst.business} (${tally(burst.exchanges.map((e) => e.status))})` : ''}`,
  ];
  const finding = (verdict: Finding['verdict']): Finding => ({ assumption: THROTTLING, verdict, evidence });
  if (asked.length === 0) {
    evidence.push('no 429 or 503 came: Graph did not throttle this run');
    return finding('not testable here');
  }
  const readable = (value: string | undefined) => retryAfterSeconds(value === undefined ? undefined : new Headers({ 'Retry-After': value })) !== undefined;
  const without = asked.filter((e) => !readable(e.retryAfter));
  const withHeader = asked.filter((e) => readable(e.retryAfter));
  if (withHeader.length > 0) evidence.push(`${withHeader.length} with Retry-After (${tally(withHeader.map((e) => `"${e.retryAfter}"`))}); first: ${answerOf(withHeader[0]!)}`);
  if (without.length > 0) {
    evidence.push(`${without.length} without a readable Retry-After; first: ${answerOf(without[0]!)}${without[0]!.retryAfter === undefined ? '' : ` (Retry-After: ${without[0]!.retryAfter})`}`);
    return finding('contradicted');
  }
  return finding('confirmed');
}
