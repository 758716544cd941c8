import { type GraphStaffMember, type GraphUser, parsePerson } from '../../graph/parse.js';
import { answerOf, type BusinessRead, type Exchange, type Finding, isOk, isTransient, type Observations, tally, valuesOf } from '../observations.js';

export const BUSINESS_LIST = 'The business list is the tenant\'s (it names businesses you are not staff of), and reading the staff of one of those is refused with 403 or 404';

type Standing = 'staff' | 'refused' | 'readable by an outsider' | 'unanswered' | 'other answer' | 'readable';

/**
 * How one listed business answered the read of its staff: you are among its staff (any membership status), it was
 * refused as the bot expects (403, 404), it was read although you are not among its staff, or something else.
 */
function standingIn(read: BusinessRead, addresses: Set<string> | undefined): Standing {
  const { staff } = read;
  if (isTransient(staff)) return 'unanswered';
  if (staff.status === 403 || staff.status === 404) return 'refused';
  if (!isOk(staff)) return 'other answer';
  if (!addresses) return 'readable';
  const listed = valuesOf<GraphStaffMember>(staff).some((s) => addresses.has((s.emailAddress ?? '').toLowerCase()));
  return listed ? 'staff' : 'readable by an outsider';
}

/** The signed-in user's addresses (mail, UPN, proxy addresses), lower case, when /me answered. */
export function addressesOf(me: Exchange): Set<string> | undefined {
  if (!isOk(me)) return undefined;
  return new Set(parsePerson((me.body ?? {}) as GraphUser).emailAddresses.map((e) => e.toLowerCase()));
}

/** shared/graph-bookings.md §7.2; the bot's scan (bookings/staffDirectory.ts, isRefusedBusiness) relies on it. */
export function checkBusinessList(observations: Observations): Finding {
  const { list, businesses } = observations;
  const finding = (verdict: Finding['verdict'], evidence: string[]): Finding => ({ assumption: BUSINESS_LIST, verdict, evidence });
  if (!isOk(list)) {
    return finding(isTransient(list) ? 'not testable here' : 'contradicted', [`GET bookingBusinesses: ${answerOf(list)}: the list itself was not read`]);
  }
  const evidence = [`GET bookingBusinesses: ${answerOf(list)}: ${businesses.length} businesses`];
  const addresses = addressesOf(observations.me);
  const standings = businesses.map((read) => ({ read, standing: standingIn(read, addresses) }));
  const of = (standing: Standing) => standings.filter((s) => s.standing === standing).map((s) => s.read);
  const described = (reads: BusinessRead[]) => reads.map((r) => `${r.displayName} (${answerOf(r.staff)})`).join('; ');
  evidence.push(`staff reads: ${tally(standings.map((s) => s.standing))}`);
  if (!addresses) evidence.push(`GET /me: ${answerOf(observations.me)}: without it a read cannot tell your businesses from others`);
  const refused = of('refused');
  if (refused.length > 0) evidence.push(`refused: ${tally(refused.map((r) => r.staff.status))}; first: ${described(refused.slice(0, 1))}`);
  const outsiders = of('readable by an outsider');
  const other = of('other answer');
  if (outsiders.length > 0) evidence.push(`read although you are not among its staff: ${described(outsiders.slice(0, 3))}`);
  if (other.length > 0) evidence.push(`answered neither with its staff nor 403/404: ${described(other.slice(0, 3))}`);
  if (outsiders.length > 0 || other.length > 0) return finding('contradicted', evidence);
  if (refused.length > 0) return finding('confirmed', evidence);
  evidence.push('every business that answered has you among its staff: sign in as someone who is not staff of every business to see a refusal');
  return finding('not testable here', evidence);
}
