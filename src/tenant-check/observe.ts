import { type GraphAppointment, type GraphStaffMember, isPathSegment } from '../graph/parse.js';
import { addressesOf } from './assumptions/businessList.js';
import { ROLES_AFTER_UNKNOWN } from './assumptions/staffRoles.js';
import { type BusinessRead, type Exchange, type IdProbes, isOk, type Observations, valuesOf } from './observations.js';
import type { GraphRecorder } from './recorder.js';

export interface ObserveOptions {
  /** '/solutions/bookingBusinesses', as the bot addresses businesses. */
  bookingsRoot: string;
  now: Date;
  /** The Graph permissions in the operator's token (short names). */
  grantedScopes: string[];
  /** Reads sent at once while reading every business's staff (each to another mailbox). */
  concurrency?: number;
  /** Reads of one business sent at once to see Graph throttle: more than Bookings' 4 per app and mailbox. */
  burstSize?: number;
}

const DAY = 86_400_000;
/** Where appointment ids are looked for: a month back to three months ahead, in at most this many businesses. */
const ID_SEARCH = { backDays: 30, aheadDays: 90, businesses: 10, pagesPerBusiness: 20 };

/** Calendar view bounds as the bot sends them: UTC, no milliseconds. */
const graphTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Everything the checks judge, read from the tenant as the signed-in operator. Only reads: GET /me, the business
 * list, each business's staff (with the Prefer header, as the bot reads them; one business again without it), the
 * calendars of some of your businesses (to find appointment ids), a few appointments by id, and one burst of reads of
 * one of your businesses. Nothing read is printed but statuses, request-ids, counts and business names.
 */
export async function observe(graph: GraphRecorder, options: ObserveOptions): Promise<Observations> {
  const business = (id: string) => `${options.bookingsRoot}/${encodeURIComponent(id)}`;
  const me = await graph.get('/me?$select=id,displayName,mail,userPrincipalName,proxyAddresses');
  const list = await graph.get(options.bookingsRoot);
  const listed = valuesOf<{ id?: unknown; displayName?: unknown }>(list)
    .filter((b): b is { id: string; displayName?: unknown } => typeof b.id === 'string' && isPathSegment(b.id))
    .map((b) => ({ id: b.id, displayName: typeof b.displayName === 'string' ? b.displayName : b.id }));
  const businesses: BusinessRead[] = await inTurns(listed, options.concurrency ?? 8, async (b) => ({ ...b, staff: await graph.get(`${business(b.id)}/staffMembers`, { prefer: true }) }));

  const addresses = addressesOf(me);
  const readable = businesses.filter((b) => isOk(b.staff));
  const yours = readable.filter((b) => !addresses || valuesOf<GraphStaffMember>(b.staff).some((s) => addresses.has((s.emailAddress ?? '').toLowerCase())));

  const withNewerRoles = readable.find((b) => valuesOf<GraphStaffMember>(b.staff).some((s) => ROLES_AFTER_UNKNOWN.has(s.role ?? '')));
  const withoutPrefer = withNewerRoles && { business: withNewerRoles.displayName, exchange: await graph.get(`${business(withNewerRoles.id)}/staffMembers`) };

  const ids = await probeIds(graph, yours, business, options.now);

  const target = yours[0] ?? readable[0];
  const burst = target && {
    business: target.displayName,
    exchanges: await Promise.all(Array.from({ length: options.burstSize ?? 10 }, () => graph.get(`${business(target.id)}?$select=id,displayName`, { retries: 0 }))),
  };
  return { grantedScopes: options.grantedScopes, me, list, businesses, withoutPrefer, ids, burst, all: graph.exchanges };
}

/** Looks through your calendars for an id holding "/" and one holding "+" or "=", and reads each back by id. */
async function probeIds(graph: GraphRecorder, yours: BusinessRead[], business: (id: string) => string, now: Date): Promise<IdProbes> {
  const start = graphTime(new Date(now.getTime() - ID_SEARCH.backDays * DAY));
  const end = graphTime(new Date(now.getTime() + ID_SEARCH.aheadDays * DAY));
  const probes: IdProbes = { appointmentsSeen: 0, businessesSearched: 0 };
  let slash: { read: BusinessRead; id: string } | undefined;
  let plusOrEquals: { read: BusinessRead; id: string } | undefined;
  for (const read of yours.slice(0, ID_SEARCH.businesses)) {
    if (slash && plusOrEquals) break;
    probes.businessesSearched++;
    let next: string | undefined = `${business(read.id)}/calendarView?start=${start}&end=${end}`;
    for (let page = 0; next !== undefined && page < ID_SEARCH.pagesPerBusiness; page++) {
      const view: Exchange = await graph.get(next);
      if (!isOk(view)) break;
      for (const { id } of valuesOf<GraphAppointment>(view)) {
        if (typeof id !== 'string' || !isPathSegment(id)) continue;
        probes.appointmentsSeen++;
        if (id.includes('/')) slash ??= { read, id };
        else if (/[+=]/.test(id)) plusOrEquals ??= { read, id };
      }
      const link = (view.body as { '@odata.nextLink'?: unknown } | undefined)?.['@odata.nextLink'];
      next = typeof link === 'string' ? graph.relative(link) : undefined;
    }
  }
  if (slash) {
    const appointments = `${business(slash.read.id)}/appointments`;
    probes.slash = {
      business: slash.read.displayName,
      encoded: await graph.get(`${appointments}/${encodeURIComponent(slash.id)}`, { retries: 1 }),
      // OData's key form, quotes doubled inside the literal (OData URL conventions, "Addressing entities").
      odataKey: await graph.get(`${appointments}('${encodeURIComponent(slash.id.replaceAll("'", "''"))}')`, { retries: 1 }),
    };
  }
  if (plusOrEquals) {
    probes.plusOrEquals = { business: plusOrEquals.read.displayName, encoded: await graph.get(`${business(plusOrEquals.read.id)}/appointments/${encodeURIComponent(plusOrEquals.id)}`, { retries: 1 }) };
  }
  return probes;
}

/** `work` for each item, at most `limit` at a time; results in the items' order. */
async function inTurns<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
