import type { GraphStaffMember } from '../../graph/parse.js';
import { answerOf, type Exchange, type Finding, isOk, type Observations, tally, valuesOf } from '../observations.js';

export const STAFF_ROLES = 'Staff roles after unknownFutureValue (scheduler, teamMember) come only with "Prefer: include-unknown-enum-members"; without it Graph sends unknownFutureValue';

/** bookingStaffRole's members declared after unknownFutureValue (CSDL v1.0): sent only to clients that ask for them. */
export const ROLES_AFTER_UNKNOWN = new Set(['scheduler', 'teamMember']);

export function rolesIn(exchange: Exchange): Map<string, string> {
  return new Map(valuesOf<GraphStaffMember>(exchange).map((s) => [s.id ?? '', s.role ?? '(none)']));
}

/** shared/graph-bookings.md §7.1; graph/bookingsGraphClient.ts sends the header with every staff read. */
export function checkStaffRoles(observations: Observations): Finding {
  const finding = (verdict: Finding['verdict'], evidence: string[]): Finding => ({ assumption: STAFF_ROLES, verdict, evidence });
  const read = observations.businesses.filter((b) => isOk(b.staff));
  // With the header, Graph must not hide a role behind unknownFutureValue.
  const hidden = read.filter((b) => [...rolesIn(b.staff).values()].includes('unknownFutureValue'));
  if (hidden.length > 0) {
    const first = hidden[0]!;
    return finding('contradicted', [`${first.displayName}, with Prefer: ${answerOf(first.staff)}: ${tally([...rolesIn(first.staff).values()])}: unknownFutureValue although asked for every member`]);
  }
  const probe = observations.withoutPrefer;
  if (!probe) {
    return finding('not testable here', [`no scheduler or team member among the staff of the ${read.length} businesses you could read: nothing to compare`]);
  }
  const withPrefer = read.find((b) => b.displayName === probe.business)!;
  const asked = rolesIn(withPrefer.staff);
  const unasked = rolesIn(probe.exchange);
  const evidence = [
    `${probe.business}, with Prefer: ${answerOf(withPrefer.staff)}: ${tally([...asked.values()])}`,
    `${probe.business}, without Prefer: ${answerOf(probe.exchange)}: ${tally([...unasked.values()])}`,
  ];
  if (!isOk(probe.exchange)) return finding('not testable here', evidence);
  const newer = [...asked].filter(([, role]) => ROLES_AFTER_UNKNOWN.has(role));
  const sentAnyway = newer.filter(([id]) => unasked.get(id) !== 'unknownFutureValue');
  if (sentAnyway.length > 0) {
    evidence.push(`without the header Graph sent ${tally(sentAnyway.map(([id]) => unasked.get(id) ?? '(missing)'))} where unknownFutureValue was expected`);
    return finding('contradicted', evidence);
  }
  return finding('confirmed', evidence);
}
