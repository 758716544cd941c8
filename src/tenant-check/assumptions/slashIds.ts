import { answerOf, type Finding, isOk, isTransient, type Observations } from '../observations.js';

export const SLASH_IDS = 'An appointment id holding "/" cannot be addressed (%2F and the OData key form both fail with 400 or 404); ids holding "+" or "=" can, percent-encoded';

/** shared/graph-bookings.md §7.6; graph/parse.ts isAddressable: the bot does not send such ids at all. */
export function checkSlashIds(observations: Observations): Finding {
  const { ids } = observations;
  const evidence = [`calendarView: ${ids.appointmentsSeen} appointments in ${ids.businessesSearched} businesses looked at`];
  const finding = (verdict: Finding['verdict']): Finding => ({ assumption: SLASH_IDS, verdict, evidence });
  const { slash, plusOrEquals } = ids;
  let contradicted = false;
  let unanswered = false;
  if (plusOrEquals) {
    evidence.push(`an id with "+" or "=" (${plusOrEquals.business}), %2B/%3D: ${answerOf(plusOrEquals.encoded)}`);
    if (plusOrEquals.encoded.status === 400 || plusOrEquals.encoded.status === 404) contradicted = true;
    unanswered ||= isTransient(plusOrEquals.encoded);
  }
  if (!slash) {
    evidence.push('no appointment id holding "/" among them');
    return finding(contradicted ? 'contradicted' : 'not testable here');
  }
  evidence.push(`an id with "/" (${slash.business}), %2F: ${answerOf(slash.encoded)}`, `the same id, appointments('…'): ${answerOf(slash.odataKey)}`);
  const refused = (status: number) => status === 400 || status === 404;
  if (isOk(slash.encoded) || isOk(slash.odataKey)) {
    evidence.push('Graph read it: the bot refuses such ids without asking');
    contradicted = true;
  } else if (!refused(slash.encoded.status) || !refused(slash.odataKey.status)) {
    unanswered = true;
  }
  if (contradicted) return finding('contradicted');
  return finding(unanswered ? 'not testable here' : 'confirmed');
}
