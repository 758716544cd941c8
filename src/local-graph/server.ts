import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultPlan } from './faults.js';
import {
  type ApiVersion,
  appointmentJson,
  businessJson,
  businessSummaryJson,
  staffJson,
  userJson,
} from './graphJson.js';
import { LOCAL_SCOPES, LocalIdentity, type TrustedIssuer, type VerifyResult } from './identity.js';
import type { GraphQuirks } from './quirks.js';
import { createSeed, type DirectoryUser, type Seed, type SeedBusiness } from './seed.js';
import { BookingsStore, type CancellationRecord } from './store.js';

export interface LocalGraphOptions {
  /** Loopback only unless told otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** calendarView page size; small, so clients must follow @odata.nextLink. */
  pageSize?: number;
  tokenLifetimeSeconds?: number;
  /** Also accept tokens from this Entra ID (checked against its JWKS), as Graph accepts tokens from the user's tenant. */
  trustedIssuer?: TrustedIssuer;
  /** Every Graph request waits this long before it is answered (the benchmark's stand-in for Graph's own time). */
  latencyMs?: number;
  /** Spread of that wait, a fraction in [0, 1]: each request waits latencyMs * (1 + latencyJitter * u), u uniform in [-1, 1]. */
  latencyJitter?: number;
  /** Requests one app may have in flight at once against one booking mailbox (business); Graph's is 4. */
  mailboxConcurrency?: number;
  /** Retry-After (seconds) of the 429 for a request over mailboxConcurrency. */
  throttleRetryAfterSeconds?: number;
  now?: () => Date;
  seed?: Seed;
  /** Answers that contradict what the bot assumes of Graph (npm run check:tenant's tests); none by default. */
  quirks?: GraphQuirks;
}

/** One request as the service saw it, for tests that assert the exact call (path as sent, still encoded). */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  /** userPrincipalName the bearer token belonged to, when it was valid. */
  user?: string;
  /** The preferences of the Prefer header (RFC 7240), e.g. include-unknown-enum-members. */
  prefer: string[];
  /** The caller's client-request-id header, if it sent one. */
  clientRequestId?: string;
  body?: unknown;
  /** performance.now() when the request arrived and when its answer was sent (for the benchmark's sequences). */
  startedAt: number;
  endedAt?: number;
  /** For a member of a JSON batch: the request-id of the $batch request that carried it. */
  batchId?: string;
}

/** An answer before it goes on the wire, or into a batch's responses. No body: 204. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** The ids an error body's innerError carries. */
interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

/** A member of a JSON batch request, as validated. */
interface BatchMember {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Delegated permissions per call, least privileged first (Graph permission reference for the Bookings calls). */
const CANCEL_SCOPES = new Set(['BookingsAppointment.ReadWrite.All', 'Bookings.ReadWrite.All', 'Bookings.Manage.All']);
const READ_SCOPES = new Set(['Bookings.Read.All', ...CANCEL_SCOPES]);
/** GET /me, delegated: User.Read, least privileged, then the higher ones (DC v1.0/api/user-get.md). Bookings scopes do not grant it. */
const ME_SCOPES = new Set(['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']);

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const MAX_BODY_BYTES = 64 * 1024;
/** "JSON batch requests are currently limited to 20 individual requests." (DC concepts/json-batching.md) */
const MAX_BATCH_REQUESTS = 20;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The embedded Microsoft Graph Bookings service: the subset of Graph the bot uses (v1.0 under /solutions,
 * beta under both /solutions and the 2018 root paths), with Graph's JSON shapes, headers, error bodies and
 * status codes, a local token endpoint standing in for Entra ID, and injectable faults.
 */
export class LocalGraphService {
  readonly faults = new FaultPlan();
  /** Graph requests in arrival order (token requests are counted apart). */
  readonly requests: RecordedRequest[] = [];
  tokenRequests = 0;
  /** Graph HTTP requests being answered right now (a $batch counts once), and the most at once (tests may reset it). */
  inFlight = 0;
  peakInFlight = 0;
  /** The most requests (batch members included) one app had in flight at once against one mailbox, among those admitted. */
  peakPerMailbox = 0;
  /** Requests (batch members included) answered 429 for being over mailboxConcurrency. */
  throttled = 0;
  /** Added to every Graph request's answer time; may be changed while running. */
  latencyMs: number;
  /** Spread of latencyMs, a fraction in [0, 1]; may be changed while running. */
  latencyJitter: number;
  /** Concurrent requests per app and mailbox before 429 (Infinity: no limit); may be changed while running. */
  mailboxConcurrency: number;
  throttleRetryAfterSeconds: number;
  /** Called once a cancel has taken effect, before it is answered (tests stop a bot process at that moment). */
  onCancelled?: (cancellation: CancellationRecord) => Promise<void> | void;
  readonly store: BookingsStore;
  readonly identity: LocalIdentity;
  private readonly server: Server;
  private readonly pageSize: number;
  private readonly now: () => Date;
  private baseUrl?: string;
  /** Requests in flight per app id and mailbox ("appId mailbox", mailbox in lower case). */
  private readonly mailboxLoad = new Map<string, number>();

  constructor(private readonly options: LocalGraphOptions = {}) {
    this.now = options.now ?? (() => new Date());
    const seed = options.seed ?? createSeed(this.now());
    this.store = new BookingsStore(seed);
    this.identity = new LocalIdentity(seed.users, options.tokenLifetimeSeconds ?? 3600, options.trustedIssuer);
    this.pageSize = options.pageSize ?? 4;
    this.latencyMs = options.latencyMs ?? 0;
    this.latencyJitter = options.latencyJitter ?? 0;
    if (!(this.latencyJitter >= 0 && this.latencyJitter <= 1)) throw new RangeError('latencyJitter must be in [0, 1]');
    this.mailboxConcurrency = options.mailboxConcurrency ?? 4;
    if (!(this.mailboxConcurrency >= 1)) throw new RangeError('mailboxConcurrency must be at least 1');
    this.throttleRetryAfterSeconds = options.throttleRetryAfterSeconds ?? 1;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Revokes every token this user has called with so far: Graph refuses them with 401 from now on. */
  revokeTokensOf(userPrincipalName: string): void {
    const tokens = this.requests.filter((r) => r.user === userPrincipalName && r.authorization).map((r) => r.authorization!.replace(/^Bearer /i, ''));
    this.identity.revoke(tokens);
  }

  /** Starts listening; resolves to the base URL (e.g. http://127.0.0.1:3979/). */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://${address}:${port}/`;
    return this.baseUrl;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('LocalGraphService is not started');
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const clientRequestId = header(req, 'client-request-id') ?? requestId;
    const ids = { requestId, clientRequestId };
    res.setHeader('request-id', requestId);
    res.setHeader('client-request-id', clientRequestId);
    res.setHeader('x-ms-ags-diagnostic', '{"ServerInfo":{"DataCenter":"Local","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"local-graph"}}');
    res.setHeader('Cache-Control', 'no-cache');
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const record: RecordedRequest = {
      method,
      path: (req.url ?? '/').split('?')[0]!,
      authorization: header(req, 'authorization'),
      prefer: preferences(header(req, 'prefer')),
      clientRequestId: header(req, 'client-request-id'),
      startedAt: performance.now(),
    };
    res.once('finish', () => (record.endedAt = performance.now()));
    try {
      const raw = await readBody(req);
      if (record.path === '/local/token' && method === 'POST') return await this.token(raw, res);
      record.body = parseJsonOrText(raw);
      this.requests.push(record);
      this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
      try {
        const verified = await this.identity.verify(record.authorization);
        const batchVersion = method === 'POST' ? /^\/(v1\.0|beta)\/\$batch$/.exec(safeDecode(url.pathname) ?? '')?.[1] : undefined;
        send(res, batchVersion ? await this.batch(batchVersion, record, verified, ids) : await this.serve(method, url, record, verified, ids));
      } finally {
        this.inFlight--;
      }
    } catch (error) {
      send(res, this.errorAnswer(error, ids));
    }
  }

  /**
   * One Graph request, sent alone or as a batch member: the per-mailbox limit, latency, injected faults, then the
   * call itself. Bookings allows "Four concurrent requests" per app ID and booking mailbox (DC concepts/
   * throttling-limits.md, "Bookings service limits"); one over it answers 429 with Retry-After (DC concepts/
   * throttling.md) without doing the work, after the same latency (it still travelled).
   */
  private async serve(method: string, url: URL, record: RecordedRequest, verified: VerifyResult, ids: RequestIds): Promise<Answer> {
    if (verified.ok) record.user = verified.user.userPrincipalName;
    const mailbox = verified.ok ? mailboxOf(url.pathname) : undefined;
    const key = mailbox === undefined || !verified.ok ? undefined : `${verified.appId} ${mailbox}`;
    const load = key === undefined ? 0 : (this.mailboxLoad.get(key) ?? 0);
    if (key !== undefined && load >= this.mailboxConcurrency) {
      this.throttled++;
      await this.latency();
      // Message as Exchange words it for mail (learn.microsoft.com/answers/questions/734143, code ApplicationThrottled
      // there); Bookings documents no code: TooManyRequests as shared/graph-bookings.md §9.1. Clients go by the 429.
      return this.errorAnswer(new GraphHttpError(429, 'TooManyRequests', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': String(this.throttleRetryAfterSeconds) }), ids);
    }
    if (key !== undefined) {
      this.mailboxLoad.set(key, load + 1);
      this.peakPerMailbox = Math.max(this.peakPerMailbox, load + 1);
    }
    try {
      await this.latency();
      await this.playFault(method, decodeURIComponent(url.pathname));
      const body = await this.route(method, url, record, verified);
      return body === undefined ? { status: 204, headers: {} } : { status: 200, headers: { 'Content-Type': JSON_TYPE }, body };
    } catch (error) {
      return this.errorAnswer(error, ids);
    } finally {
      if (key !== undefined) {
        const left = this.mailboxLoad.get(key)! - 1;
        if (left === 0) this.mailboxLoad.delete(key);
        else this.mailboxLoad.set(key, left);
      }
    }
  }

  private async latency(): Promise<void> {
    const ms = this.latencyMs * (1 + this.latencyJitter * (Math.random() * 2 - 1));
    if (ms > 0) await sleep(ms);
  }

  /** Graph's error body (DC concepts/errors.md); anything that is not a GraphHttpError is Graph's 500. */
  private errorAnswer(error: unknown, { requestId, clientRequestId }: RequestIds): Answer {
    const e = error instanceof GraphHttpError ? error : new GraphHttpError(500, 'generalException', 'An internal server error occurred.');
    const date = this.now().toISOString().slice(0, 19);
    return {
      status: e.status,
      headers: { ...e.headers, 'Content-Type': JSON_TYPE },
      body: { error: { code: e.code, message: e.message, innerError: { date, 'request-id': requestId, 'client-request-id': clientRequestId } } },
    };
  }

  /**
   * POST /{version}/$batch (DC concepts/json-batching.md). The batch is checked as a whole first (400 for all of it);
   * then each member runs as if it had been sent alone by the same caller: its own routing, Prefer header, latency,
   * mailbox limit and faults. Members without dependsOn run at once; a member waits for those it depends on and
   * answers 424 if one of them failed. Responses are not in request order, as the docs warn they may not be.
   */
  private async batch(version: string, record: RecordedRequest, verified: VerifyResult, ids: RequestIds): Promise<Answer> {
    if (!verified.ok) throw unauthenticated(verified.message);
    record.user = verified.user.userPrincipalName;
    const members = batchMembers(record.body);
    const byId = new Map(members.map((m) => [m.id.toLowerCase(), m]));
    const answers = new Map<BatchMember, Promise<Answer>>();
    const responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] = [];
    const run = (member: BatchMember): Promise<Answer> => {
      let answer = answers.get(member);
      if (!answer) {
        answer = this.batchMember(version, member, byId, run, record, verified, ids).then((a) => {
          responses.push({ id: member.id, status: a.status, headers: { 'Cache-Control': 'no-cache', ...a.headers }, ...(a.body === undefined ? {} : { body: a.body }) });
          return a;
        });
        answers.set(member, answer);
      }
      return answer;
    };
    await Promise.all(members.map(run));
    // Finished in request order (e.g. no latency): still not handed back in it, so no client can come to rely on it.
    if (responses.length > 1 && responses.every((r, i) => r.id === members[i]!.id)) responses.push(responses.shift()!);
    return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body: { responses } };
  }

  private async batchMember(
    version: string,
    member: BatchMember,
    byId: Map<string, BatchMember>,
    run: (member: BatchMember) => Promise<Answer>,
    outer: RecordedRequest,
    verified: VerifyResult,
    outerIds: RequestIds,
  ): Promise<Answer> {
    const dependencies = await Promise.all(member.dependsOn.map((id) => run(byId.get(id.toLowerCase())!)));
    const url = new URL(`/${version}/${member.url.replace(/^\//, '')}`, 'http://local');
    const clientRequestId = memberHeader(member.headers, 'client-request-id');
    const record: RecordedRequest = {
      method: member.method,
      path: `/${version}/${member.url.replace(/^\//, '')}`.split('?')[0]!,
      authorization: outer.authorization,
      prefer: preferences(memberHeader(member.headers, 'prefer')),
      clientRequestId,
      body: member.body,
      startedAt: performance.now(),
      batchId: outerIds.requestId,
    };
    this.requests.push(record);
    const ids = { requestId: randomUUID(), clientRequestId: clientRequestId ?? outerIds.clientRequestId };
    // "If an individual request fails, any request that depends on that request fails with status code 424 (Failed
    // Dependency)." (json-batching.md, dependsOn). The error body is not documented.
    const answer = dependencies.some((d) => d.status >= 400)
      ? this.errorAnswer(new GraphHttpError(424, 'FailedDependency', 'The request depends on a request that failed.'), ids)
      : await this.serve(member.method, url, record, verified, ids);
    record.endedAt = performance.now();
    return answer;
  }

  /** Local sign-in: POST {"user": "<upn>"} returns an OAuth-style token response. */
  private async token(raw: string, res: ServerResponse): Promise<void> {
    this.tokenRequests++;
    const login = (parseJsonOrText(raw) as { user?: unknown } | undefined)?.user;
    const user = typeof login === 'string' ? this.identity.findUser(login) : undefined;
    if (!user) {
      sendJson(res, 400, { error: 'invalid_grant', error_description: 'AADSTS50034: The user account does not exist in the local directory.' });
      return;
    }
    const accessToken = await this.identity.issue(user);
    sendJson(res, 200, { token_type: 'Bearer', access_token: accessToken, expires_in: this.identity.tokenLifetimeSeconds, scope: LOCAL_SCOPES });
  }

  private async playFault(method: string, path: string): Promise<void> {
    const fault = this.faults.take(method, path);
    if (!fault) return;
    if (fault.delayMs) await sleep(fault.delayMs);
    if (!fault.status) return;
    const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
    if (fault.status === 429) throw new GraphHttpError(429, 'TooManyRequests', 'Too many requests.', headers);
    if (fault.status === 503) throw new GraphHttpError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', headers);
    if (fault.status === 504) throw new GraphHttpError(504, 'UnknownError', 'Gateway timeout.', headers);
    throw new GraphHttpError(500, 'UnknownError', '', headers);
  }

  private async route(method: string, url: URL, record: RecordedRequest, verified: VerifyResult): Promise<unknown> {
    const quirks = this.options.quirks ?? {};
    const segments = pathSegments(url.pathname, quirks.encodedSlashStaysInSegment);
    const version = segments.shift();
    if (version !== 'v1.0' && version !== 'beta') throw new GraphHttpError(400, 'BadRequest', `Invalid version: ${version ?? ''}`);
    const { user, scopes } = authenticate(verified);

    if (segments.length === 1 && segments[0] === 'me') {
      requireScope(scopes, quirks.meScopes ? new Set(quirks.meScopes) : ME_SCOPES);
      const select = url.searchParams.get('$select')?.split(',').map((p) => p.trim());
      return { '@odata.context': `${this.url}${version}/$metadata#users/$entity`, ...userJson(user, select) };
    }
    requireScope(scopes, READ_SCOPES);
    const solutions = segments[0] === 'solutions';
    if (solutions) segments.shift();
    else if (version === 'v1.0') throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${segments[0] ?? ''}'.`);
    const collection = keySegment(segments, 'bookingBusinesses');
    if (!collection) throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${segments[0] ?? ''}'.`);
    const root = `${version}/${solutions ? 'solutions/' : ''}bookingBusinesses`;

    if (collection.key === undefined) {
      requireMethod(method, 'GET');
      // The tenant's businesses, not the caller's: "Results are limited to 500 mailboxes. Pagination of the results
      // is not currently supported." (DC v1.0/api/bookingbusiness-list.md).
      return { '@odata.context': `${this.url}${version}/$metadata#${solutions ? 'solutions/' : ''}bookingBusinesses`, value: this.store.tenantBusinesses(quirks.businessListLimit ?? 500).map(businessSummaryJson) };
    }
    const business = this.store.business(collection.key);
    if (!business) throw new GraphHttpError(404, 'itemNotFound', 'The requested booking business was not found.');
    if (!this.store.staffRecord(business, user) && !quirks.outsidersMayRead) throw refusedOutsider(business);
    const rest = collection.rest;

    if (rest.length === 0) {
      requireMethod(method, 'GET');
      return businessJson(business);
    }
    if (rest.length === 1 && rest[0] === 'staffMembers') {
      requireMethod(method, 'GET');
      const includeUnknown = quirks.enumMembersWithoutPrefer === true || record.prefer.includes('include-unknown-enum-members');
      return { '@odata.context': this.context(version, business, 'staffMembers'), value: business.staff.map((s) => staffJson(s, includeUnknown)) };
    }
    if (rest.length === 1 && rest[0] === 'calendarView') {
      requireMethod(method, 'GET');
      return this.calendarView(version, root, business, url);
    }
    const appointments = keySegment(rest, 'appointments');
    if (appointments?.key !== undefined) {
      const appointment = this.store.appointment(business, appointments.key);
      if (appointments.rest.length === 0) {
        requireMethod(method, 'GET');
        if (!appointment) throw new GraphHttpError(404, 'itemNotFound', 'The requested appointment was not found.');
        return { '@odata.context': this.context(version, business, 'appointments/$entity'), ...appointmentJson(appointment, version) };
      }
      if (appointments.rest.length === 1 && appointments.rest[0] === 'cancel') {
        requireMethod(method, 'POST');
        const message = cancellationMessage(record.body);
        if (!scopes.some((s) => CANCEL_SCOPES.has(s))) throw new GraphHttpError(403, 'accessDenied', 'Insufficient privileges to complete the operation.');
        if (!appointment) throw new GraphHttpError(404, 'itemNotFound', 'The requested appointment was not found.');
        if (!this.store.canCancel(business, user, appointment)) throw new GraphHttpError(403, 'accessDenied', 'The user does not have permission to cancel appointments in this booking business.');
        this.store.cancel(appointment, user, message, this.now());
        await this.onCancelled?.(this.store.cancellations.at(-1)!);
        return quirks.cancelAnswersWithBody ? appointmentJson(appointment, version) : undefined;
      }
    }
    throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${rest[0] ?? ''}'.`);
  }

  private calendarView(version: ApiVersion, root: string, business: SeedBusiness, url: URL): unknown {
    const start = requiredDate(url, 'start');
    const end = requiredDate(url, 'end');
    const skipToken = url.searchParams.get('$skiptoken');
    const offset = skipToken ? Number(Buffer.from(skipToken, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new GraphHttpError(400, 'BadRequest', 'The $skiptoken is not valid.');
    const all = this.store.calendarView(business, start, end);
    const page = all.slice(offset, offset + this.pageSize);
    const body: Record<string, unknown> = {
      '@odata.context': this.context(version, business, 'calendarView'),
      value: page.map((a) => appointmentJson(a, version)),
    };
    if (offset + this.pageSize < all.length) {
      const next = new URLSearchParams({ start: url.searchParams.get('start')!, end: url.searchParams.get('end')!, $skiptoken: Buffer.from(String(offset + this.pageSize)).toString('base64url') });
      body['@odata.nextLink'] = `${this.url}${root}('${encodeURIComponent(business.id)}')/calendarView?${next.toString()}`;
    }
    return body;
  }

  private context(version: ApiVersion, business: SeedBusiness, tail: string): string {
    return `${this.url}${version}/solutions/$metadata#bookingBusinesses('${encodeURIComponent(business.id)}')/${tail}`;
  }
}

function unauthenticated(message: string): GraphHttpError {
  return new GraphHttpError(401, 'InvalidAuthenticationToken', message, {
    'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
  });
}

function authenticate(verified: VerifyResult): { user: DirectoryUser; scopes: string[] } {
  if (!verified.ok) throw unauthenticated(verified.message);
  if (verified.scopes.length === 0) throw new GraphHttpError(403, 'accessDenied', 'Either scp or roles claim need to be present in the token.');
  return verified;
}

/** Graph un-escapes the whole path before it splits it into segments (see keySegment): %2F splits too, unless `keepEncodedSlash` (a quirk). */
function pathSegments(pathname: string, keepEncodedSlash = false): string[] {
  return pathname.split('/').flatMap((segment) => (keepEncodedSlash ? [decodeURIComponent(segment)] : decodeURIComponent(segment).split('/'))).filter(Boolean);
}

/** The booking business (mailbox) a path addresses, in lower case, or undefined (/me, the business list, anything else). */
function mailboxOf(pathname: string): string | undefined {
  try {
    const segments = pathSegments(pathname);
    const version = segments.shift();
    if (version !== 'v1.0' && version !== 'beta') return undefined;
    if (segments[0] === 'solutions') segments.shift();
    const key = keySegment(segments, 'bookingBusinesses')?.key;
    return key ? key.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A business mailbox the caller is not staff of cannot be read. Graph documents no status for this; users report 404
 * ErrorFolderNotFound (microsoftgraph/microsoft-graph-docs#9850, microsoft-graph-docs-contrib#574) and 403, so the seed
 * says per business which one it answers, and clients must handle both (shared/graph-bookings.md §7.2).
 */
function refusedOutsider(business: SeedBusiness): GraphHttpError {
  return business.refusesOutsidersWith === 403
    ? new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.')
    : new GraphHttpError(404, 'ErrorFolderNotFound', 'The specified folder could not be found in the store.');
}

/**
 * Reads `name/{key}/...` or OData key syntax `name('key')/...`, as Graph does: the path is un-escaped before it is
 * split, so a "/" in a key, raw or as %2F (even inside quotes), ends the segment there, and what follows is an unknown
 * segment: 400 "Resource not found for the segment …" (microsoft/api-guidelines graph/patterns/encoded-keys.md;
 * microsoftgraph/microsoft-graph-explorer-v4#4029; OData/odata.net#2477). "+" stays "+", never a space.
 */
function keySegment(decoded: string[], name: string): { key?: string; rest: string[] } | undefined {
  const first = decoded[0];
  if (first === undefined) return undefined;
  const odata = new RegExp(`^${name}\\('(.*)'\\)$`).exec(first);
  if (odata) return { key: odata[1]!.replace(/''/g, "'"), rest: decoded.slice(1) };
  if (first.startsWith(`${name}('`)) throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${decoded[1] ?? ''}'.`);
  if (first !== name) return undefined;
  return { key: decoded[1], rest: decoded.slice(2) };
}

/** Graph's answer to a token without any of the call's permissions. */
function requireScope(scopes: string[], accepted: Set<string>): void {
  if (!scopes.some((s) => accepted.has(s))) throw new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

function requireMethod(actual: string, expected: string): void {
  if (actual !== expected) throw new GraphHttpError(405, 'BadRequest', `The HTTP method '${actual}' is not allowed for this resource.`);
}

function requiredDate(url: URL, name: string): Date {
  const value = url.searchParams.get(name);
  const date = value ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphHttpError(400, 'invalidRequest', `The query parameter '${name}' is required and must be an ISO 8601 date and time.`);
  }
  return date;
}

/**
 * bookingAppointment-cancel: cancellationMessage is a required String (DC v1.0/api/bookingappointment-cancel.md,
 * request body). Graph documents no length limit, so none is invented here; the bot keeps its own (500).
 */
function cancellationMessage(body: unknown): string {
  const message = (body as { cancellationMessage?: unknown } | undefined)?.cancellationMessage;
  if (typeof message !== 'string' || message.trim() === '') {
    throw new GraphHttpError(400, 'invalidRequest', "The property 'cancellationMessage' is required.");
  }
  return message;
}

/**
 * The members of a JSON batch, or Graph's 400 for the whole batch. Messages as Graph words them where known:
 * "Invalid batch payload format." for an empty batch (jakubbartel/keboola-onedrive-extractor, ApiTests
 * BatchRequestTest) and for an absolute member url (microsoftgraph/microsoft-graph-docs-contrib#8576); "Number of
 * requests inside batch exceed the limit." for more than 20 and "Request Id 1 has to be unique in a batch." for
 * a repeated id (responses recorded in bradleymarques/microslop_one_drive test/fixtures/batch*); "Write request id :
 * … does not contain Content-Type header or body." (microsoftgraph/msgraph-sdk-dotnet#2628) for a body without
 * Content-Type, which json-batching.md requires, and for a POST without a body (Softeria/ms-365-mcp-server#683).
 * What Graph says for a member without id, method or url, or a dependsOn naming no member, is not documented.
 */
function batchMembers(body: unknown): BatchMember[] {
  const invalid = () => new GraphHttpError(400, 'BadRequest', 'Invalid batch payload format.');
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw invalid();
  if (requests.length > MAX_BATCH_REQUESTS) throw new GraphHttpError(400, 'BadRequest', 'Number of requests inside batch exceed the limit.');
  const members = requests.map((request: unknown): BatchMember => {
    const { id, method, url, headers = {}, body, dependsOn = [] } = (request ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || id === '' || typeof method !== 'string' || typeof url !== 'string') throw invalid();
    // Relative to the version, with or without the leading "/" ("/users" in the docs, "users?$select…" in their example).
    if (/^[a-z][a-z\d+.-]*:/i.test(url) || url.startsWith('//')) throw invalid();
    if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) throw invalid();
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) throw invalid();
    return { id, method, url, headers: headers as Record<string, string>, body, dependsOn: dependsOn as string[] };
  });
  const ids = new Set<string>();
  for (const member of members) {
    // "Not case-sensitive. Must be unique in the batch, otherwise, the batch request fails with a 400" (json-batching.md).
    if (ids.has(member.id.toLowerCase())) throw new GraphHttpError(400, 'BadRequest', `Request Id ${member.id} has to be unique in a batch.`);
    ids.add(member.id.toLowerCase());
    const contentType = memberHeader(member.headers, 'content-type');
    if ((member.body !== undefined && !contentType) || (member.body === undefined && WRITE_METHODS.has(member.method.toUpperCase()))) {
      throw new GraphHttpError(400, 'BadRequest', `Write request id : ${member.id} does not contain Content-Type header or body.`);
    }
  }
  const byId = new Map(members.map((m) => [m.id.toLowerCase(), m]));
  if (members.some((m) => m.dependsOn.some((d) => !byId.has(d.toLowerCase())))) throw invalid();
  // A cycle would never finish; Graph's answer to one is not documented either.
  const settled = new Set<BatchMember>();
  const visit = (member: BatchMember, path: Set<BatchMember>): void => {
    if (settled.has(member)) return;
    if (path.has(member)) throw invalid();
    path.add(member);
    for (const d of member.dependsOn) visit(byId.get(d.toLowerCase())!, path);
    path.delete(member);
    settled.add(member);
  };
  for (const member of members) visit(member, new Set());
  return members;
}

function memberHeader(headers: Record<string, string>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** The preferences of a Prefer header (RFC 7240), lower case. */
function preferences(prefer: string | undefined): string[] {
  return (prefer ?? '').split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new GraphHttpError(413, 'BadRequest', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonOrText(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, answer: Answer): void {
  if (answer.body === undefined) {
    res.writeHead(answer.status, answer.headers);
    res.end();
    return;
  }
  // sendJson writes Content-Type itself.
  for (const [name, value] of Object.entries(answer.headers)) if (name !== 'Content-Type') res.setHeader(name, value);
  sendJson(res, answer.status, answer.body);
}

// Not chained: restify patches http.ServerResponse.prototype.writeHead process-wide to return undefined,
// and in local mode this server shares the process with the bot's restify server.
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
