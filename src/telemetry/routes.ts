/*
 * The routes a span names: paths with every id replaced by a placeholder and no query string. A Graph path names
 * businesses by their mailbox address and appointments by their id, and its query names the days asked for and, in
 * $filter, e-mail addresses: none of that may leave in telemetry. Unknown segments become ':id', so a path this
 * file does not know leaks nothing either.
 */

/** Graph collections whose next segment is one member's id, and the placeholder it becomes. */
const GRAPH_COLLECTIONS: ReadonlyMap<string, string> = new Map([
  ['bookingBusinesses', ':businessId'],
  ['appointments', ':appointmentId'],
  ['staffMembers', ':staffMemberId'],
  ['services', ':serviceId'],
  ['customers', ':customerId'],
  ['customQuestions', ':customQuestionId'],
  ['users', ':userId'],
]);

/** Segments of Graph's API that are names, not ids: kept as they are (when no collection precedes them). */
const GRAPH_NAMES = new Set(['v1.0', 'beta', 'me', 'solutions', '$batch', 'calendarView', 'cancel', 'getStaffAvailability', 'publish', 'unpublish', ...GRAPH_COLLECTIONS.keys()]);

/** Routes already worked out, by the URL's path (the query is not part of it); emptied when it grows past this. */
const ROUTES_KEPT = 2_000;
const routes = new Map<string, string>();

/** A Graph URL's route: `/v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId/cancel`. */
export function graphRoute(url: string): string {
  const path = pathOf(url);
  if (path === undefined) return '/:unreadable';
  let route = routes.get(path);
  if (route === undefined) {
    if (routes.size >= ROUTES_KEPT) routes.clear();
    routes.set(path, (route = templateOf(path)));
  }
  return route;
}

/** The path of an absolute URL, without query or fragment (what `new URL(url).pathname` is, for the URLs Graph gets). */
function pathOf(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme <= 0) return undefined;
  const start = url.indexOf('/', scheme + 3);
  if (start < 0) return '/';
  const end = url.search(/[?#]/);
  return end < 0 ? url.slice(start) : end > start ? url.slice(start, end) : '/';
}

function templateOf(path: string): string {
  // OData's key syntax, as Graph writes next links (bookingBusinesses('id')), read as the path form (bookingBusinesses/id).
  const segments = path.split('/').flatMap((segment) => {
    const key = /^(\w+)\((.*)\)$/.exec(segment);
    return key && GRAPH_COLLECTIONS.has(key[1]!) ? [key[1]!, key[2]!] : [segment];
  });
  return segments
    .map((segment, i) => {
      if (i === 0 || segment === '') return segment;
      const placeholder = GRAPH_COLLECTIONS.get(segments[i - 1]!);
      if (placeholder) return placeholder;
      return GRAPH_NAMES.has(segment) ? segment : ':id';
    })
    .join('/');
}

/** scheme://host[:port] of a URL, or '' when it is not one. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/**
 * The Bot Framework Token Service's operations (botframework-connector's UserTokenClientImpl): their methods and
 * paths, which hold no user data (the user id, connection and code go in the query, which is never kept).
 */
export const TOKEN_SERVICE_ROUTES = {
  GetToken: { method: 'GET', route: '/api/usertoken/GetToken' },
  exchange: { method: 'POST', route: '/api/usertoken/exchange' },
  SignOut: { method: 'DELETE', route: '/api/usertoken/SignOut' },
  GetSignInResource: { method: 'GET', route: '/api/botsignin/GetSignInResource' },
} as const;

export type TokenServiceOperation = keyof typeof TOKEN_SERVICE_ROUTES;

/** Entra ID's token endpoint, which the on-behalf-of exchange posts to; the tenant is a placeholder. */
export const ENTRA_TOKEN_ROUTE = '/:tenant/oauth2/v2.0/token';

/** The Bot Connector's operations on a conversation's activities (Bot Framework REST API v3). */
export const CONNECTOR_ROUTES = {
  send: { method: 'POST', route: '/v3/conversations/:conversationId/activities' },
  reply: { method: 'POST', route: '/v3/conversations/:conversationId/activities/:activityId' },
  update: { method: 'PUT', route: '/v3/conversations/:conversationId/activities/:activityId' },
  delete: { method: 'DELETE', route: '/v3/conversations/:conversationId/activities/:activityId' },
} as const;
