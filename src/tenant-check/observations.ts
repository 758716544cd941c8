/**
 * What `npm run check:tenant` saw: each request it sent to Graph and Graph's answer, gathered once (observe.ts), then
 * judged by pure checks (assumptions/) that never send anything themselves.
 */

/** One request and its answer: the evidence a verdict stands on. */
export interface Exchange {
  method: 'GET' | 'POST';
  /** The path after the version, as sent (encoded). Never printed: it names businesses and appointments. */
  path: string;
  /** Whether the request carried `Prefer: include-unknown-enum-members`. */
  prefer: boolean;
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** Graph's request-id header: what Microsoft support asks for. */
  requestId?: string;
  /** The Retry-After header, as sent. */
  retryAfter?: string;
  /** Graph's error code of a refusal ({"error": {"code"}}). */
  errorCode?: string;
  /** The answer's JSON body, when it had one. */
  body?: unknown;
  /** Why no answer came (a time-out, a refused connection). */
  failure?: string;
}

/** A listed business and the read of its staff (with the Prefer header, as the bot reads them; the last try). */
export interface BusinessRead {
  id: string;
  displayName: string;
  staff: Exchange;
}

/** An appointment id of one kind read back by id, in the forms the bot assumes Graph refuses or serves. */
export interface IdProbes {
  /** Appointments listed (calendarView), and in how many businesses, while looking for ids of each kind. */
  appointmentsSeen: number;
  businessesSearched: number;
  /** An id holding "/": percent-encoded (%2F), and in the OData key form appointments('…'). */
  slash?: { business: string; encoded: Exchange; odataKey: Exchange };
  /** An id holding "+" or "=" but no "/", percent-encoded. */
  plusOrEquals?: { business: string; encoded: Exchange };
}

export interface Observations {
  /** The Graph permissions in the operator's token (short names), as Entra ID reported them. */
  grantedScopes: string[];
  me: Exchange;
  list: Exchange;
  businesses: BusinessRead[];
  /** The staff of a business with a scheduler or team member, read again without the Prefer header. */
  withoutPrefer?: { business: string; exchange: Exchange };
  ids: IdProbes;
  /** Reads of one business sent all at once, more than Bookings serves at a time for one app and mailbox. */
  burst?: { business: string; exchanges: Exchange[] };
  /** Every exchange of the run in the order sent, retries included. */
  all: Exchange[];
}

export type Verdict = 'confirmed' | 'contradicted' | 'not testable here';

/** One assumption of the bot, what a tenant said of it, and why. */
export interface Finding {
  assumption: string;
  verdict: Verdict;
  /** Statuses, request-ids and counts: what the verdict stands on. */
  evidence: string[];
}

/** Graph asked to be asked later, or did not answer: it said nothing about the assumption. */
export function isTransient(exchange: Exchange): boolean {
  return [0, 429, 503, 504].includes(exchange.status);
}

export function isOk(exchange: Exchange): boolean {
  return exchange.status >= 200 && exchange.status < 300;
}

/** "403 ErrorAccessDenied, request-id …", or "no answer (TimeoutError)". */
export function answerOf(exchange: Exchange): string {
  if (exchange.status === 0) return `no answer (${exchange.failure ?? 'unknown failure'})`;
  const status = exchange.errorCode ? `${exchange.status} ${exchange.errorCode}` : String(exchange.status);
  return exchange.requestId ? `${status}, request-id ${exchange.requestId}` : `${status}, no request-id`;
}

/** The `value` array of a collection's JSON body. */
export function valuesOf<T>(exchange: Exchange): T[] {
  const value = (exchange.body as { value?: unknown } | undefined)?.value;
  return Array.isArray(value) ? (value as T[]) : [];
}

/** "2 × 403, 1 × 404" for a list of statuses. */
export function tally(items: readonly (string | number)[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(String(item), (counts.get(String(item)) ?? 0) + 1);
  return [...counts].map(([item, n]) => `${n} × ${item}`).join(', ');
}
