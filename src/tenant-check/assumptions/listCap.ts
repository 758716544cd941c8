import { answerOf, type Finding, isOk, type Observations, valuesOf } from '../observations.js';

export const LIST_CAP = 'GET /solutions/bookingBusinesses lists at most 500 businesses, in one page (no @odata.nextLink)';

/** Graph documents the cap: "Results are limited to 500 mailboxes. Pagination of the results is not currently supported." */
export const DOCUMENTED_CAP = 500;

/** DC v1.0/api/bookingbusiness-list.md; the bot's scan and its "N of 500" progress rely on it. */
export function checkListCap(observations: Observations): Finding {
  const { list } = observations;
  const count = valuesOf(list).length;
  const nextLink = (list.body as { '@odata.nextLink'?: unknown } | undefined)?.['@odata.nextLink'];
  const evidence = [`GET bookingBusinesses: ${answerOf(list)}${isOk(list) ? `: ${count} businesses, ${nextLink === undefined ? 'no @odata.nextLink' : 'with an @odata.nextLink'}` : ''}`];
  const finding = (verdict: Finding['verdict']): Finding => ({ assumption: LIST_CAP, verdict, evidence });
  if (!isOk(list)) return finding('not testable here');
  if (count > DOCUMENTED_CAP || nextLink !== undefined) {
    evidence.push(nextLink !== undefined ? 'the list pages: businesses beyond the first page exist' : `more than ${DOCUMENTED_CAP} in one answer`);
    return finding('contradicted');
  }
  if (count === DOCUMENTED_CAP) {
    evidence.push(`exactly ${DOCUMENTED_CAP}, and no way to ask for more`);
    return finding('confirmed');
  }
  evidence.push(`the cap shows only in a tenant with more than ${DOCUMENTED_CAP} businesses`);
  return finding('not testable here');
}
