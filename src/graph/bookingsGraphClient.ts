import { type Client, type GraphRequest, ResponseType } from '@microsoft/microsoft-graph-client';
import type { TokenProvider } from '../auth/tokenProvider.js';
import { byDeadline, sleepUntil } from '../bookings/deadline.js';
import { CodedError, ErrorCode } from '../bookings/errors.js';
import type { BookingsGateway } from '../bookings/gateway.js';
import type { Acting, Appointment, Business, Person, StaffMember, TimeWindow } from '../bookings/types.js';
import { graphErrorOf, toDomainError } from './errors.js';
import { TurnDeadline } from './clientFactory.js';
import { TurnMeter } from './graphWait.js';
import { DecodedPages } from './decodedPages.js';
import { GRAPH_REQUESTS_IN_FLIGHT, staffReadBackOffMs } from '../config/durations.js';
import { GraphPacer } from './graphPacer.js';
import type { GraphAnswer } from './transport.js';
import { graphRoute } from '../telemetry/routes.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry/telemetry.js';
import {
  type GraphAppointment,
  type GraphStaffMember,
  type GraphUser,
  parseAppointment,
  parseAppointmentDetails,
  parseBusiness,
  parsePerson,
  parseStaffMember,
  isAddressable,
  isPathSegment,
} from './parse.js';

interface Collection<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

export interface BookingsGraphOptions {
  /** Same value the client was built with, e.g. https://graph.microsoft.com/ */
  baseUrl: string;
  version: 'v1.0' | 'beta';
  /** '/solutions/bookingBusinesses' (current) or '/bookingBusinesses' (the 2018 beta form). */
  bookingsRoot: string;
  /** Stop following @odata.nextLink after this many pages (a loop guard). */
  maxPages: number;
}

/** One member of a JSON batch's answer (DC concepts/json-batching.md): its own status, headers and body. */
interface BatchMemberAnswer {
  id?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A business whose staff a batch is still to read, and from when (performance.now()) Graph lets us ask again. */
interface StaffRead {
  businessId: string;
  notBefore: number;
  tries: number;
}

/** Graph takes at most 20 requests in one JSON batch (DC concepts/json-batching.md, "Batch size limitations"). */
const BATCH_LIMIT = 20;
/** One user's batches in flight at once: 5 × 20 staff reads, so 500 businesses take five rounds. */
const BATCHES_PER_USER = 5;

/** Graph calls ids with '@' (business mailboxes) and '=', '/', '+' (appointment ids); each becomes one path segment. */
const segment = encodeURIComponent;

/**
 * Graph answers members of an evolvable enum declared after unknownFutureValue only to a client that asks for them
 * (DC concepts/best-practices-concept.md, evolvable enums): bookingStaffRole's scheduler and teamMember are such.
 */
const INCLUDE_UNKNOWN_ENUM_MEMBERS = { Prefer: 'include-unknown-enum-members' };

/** Calendar view bounds in the form the docs show: UTC, no milliseconds. */
function graphTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What a read may say beyond its path: its headers, and the business mailbox it is paced in. */
interface ReadOptions {
  headers?: Record<string, string>;
  mailbox?: string;
}

/** Graph asked to be asked later (429, 503, 504, or no answer before a request's own limit): worth another try. */
function isPassing(error: unknown): error is CodedError {
  return error instanceof CodedError && (error.code === ErrorCode.Throttled || (error.code === ErrorCode.Unavailable && error.retryAfterSeconds !== undefined) || error.code === ErrorCode.Timeout);
}

/** Graph failing a read again and again (503, no answer) is an outage, told after 3 tries; throttling waits as long as the deadline allows. */
function mayRetry(error: CodedError): (read: StaffRead) => boolean {
  return (read) => error.code === ErrorCode.Throttled || read.tries < 3;
}

/** A batch member's answer in the shape graphErrorOf reads. */
function memberResponse(status: number, member: BatchMemberAnswer): Pick<Response, 'status' | 'statusText' | 'headers' | 'text'> {
  return { status, statusText: '', headers: new Headers(member.headers ?? {}), text: () => Promise.resolve(member.body === undefined ? '' : JSON.stringify(member.body)) };
}

/** A read's JSON; anything else that answers 200 (a proxy's sign-in page) is not Graph's answer. */
function jsonOf(answer: GraphAnswer): unknown {
  try {
    return JSON.parse(answer.bodyText()) as unknown;
  } catch (cause) {
    throw new CodedError(ErrorCode.Unavailable, 'Graph answered a read with a body that is not JSON', { cause });
  }
}

/** Calendar pages kept, as bytes to compare (decoded, they take about as much again): 8 MiB, 120 pages of 50 appointments. */
const CALENDAR_PAGE_BYTES = 8 * 1024 * 1024;

/** The Bookings subset of Microsoft Graph, called as the signed-in user. */
export class BookingsGraphClient implements BookingsGateway {
  private readonly linkPrefix: string;
  /** Calendar pages, decoded once however many staff read them alike (a business's bytes: 70 KB for 50 appointments). */
  private readonly calendarPages = new DecodedPages(CALENDAR_PAGE_BYTES);

  constructor(
    private readonly client: Client,
    private readonly tokens: TokenProvider,
    private readonly options: BookingsGraphOptions,
    /** The instance's slots at Graph, shared by every user: per mailbox, and in all. */
    private readonly pacer = new GraphPacer(GRAPH_REQUESTS_IN_FLIGHT),
    /** Where a batch member's throttling is counted (a call's own is counted by the client's middleware). */
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {
    this.linkPrefix = `${options.baseUrl}${options.version}/`;
  }

  async me(acting: Acting): Promise<Person> {
    return parsePerson(await this.get<GraphUser>(acting, '/me?$select=id,displayName,mail,userPrincipalName,proxyAddresses'));
  }

  async listBusinesses(acting: Acting): Promise<Business[]> {
    const businesses = await this.getAll<{ id?: string; displayName?: string }>(acting, this.options.bookingsRoot);
    return businesses.map(parseBusiness).filter((b) => b !== undefined);
  }

  async getBusiness(acting: Acting, businessId: string): Promise<Business> {
    const business = parseBusiness(await this.get<{ id?: string; displayName?: string }>(acting, `${this.business(businessId)}?$select=id,displayName`, { mailbox: businessId }));
    if (!business) throw new CodedError(ErrorCode.Internal, 'Graph returned a business without id or name');
    return business;
  }

  async listStaff(acting: Acting, businessId: string): Promise<StaffMember[]> {
    // Roles are an evolvable enum: without this preference Graph sends scheduler and teamMember as unknownFutureValue.
    const staff = await this.getAll<GraphStaffMember>(acting, `${this.business(businessId)}/staffMembers`, { headers: INCLUDE_UNKNOWN_ENUM_MEMBERS, mailbox: businessId });
    return staff.map(parseStaffMember).filter((s) => s !== undefined);
  }

  /**
   * The staff of each business in JSON batches of 20, each member paced per mailbox like any other request. A
   * member Graph throttles (or the whole batch) is asked again after its Retry-After; `found` hears every other
   * answer as it comes: the staff, or the coded error Graph gave for that business.
   */
  async staffOfEach(acting: Acting, businessIds: readonly string[], found: (businessId: string, staff: StaffMember[] | CodedError) => void): Promise<void> {
    const waiting: StaffRead[] = businessIds.map((businessId) => ({ businessId, notBefore: 0, tries: 0 }));
    const running = new Set<Promise<void>>();
    const deadline = acting.deadline ?? Infinity;
    let failure: CodedError | undefined;
    while ((waiting.length > 0 || running.size > 0) && failure === undefined && performance.now() < deadline) {
      while (running.size < BATCHES_PER_USER) {
        const reads = this.nextBatch(waiting);
        if (!reads) break;
        const sent: Promise<void> = this.staffBatch(acting, reads, waiting, found)
          .catch((error: unknown) => void (failure ??= toDomainError(error)))
          .finally(() => {
            this.pacer.release(reads.map((r) => r.businessId), true);
            running.delete(sent);
          });
        running.add(sent);
      }
      // Reads that may go now wait for a free slot (a release); the others for their Retry-After.
      const now = performance.now();
      const retryAt = Math.min(deadline, ...waiting.filter((r) => r.notBefore > now).map((r) => r.notBefore));
      await Promise.race([...running, this.pacer.released(), sleepUntil(retryAt)]);
    }
    await Promise.allSettled(running);
    if (failure !== undefined) throw failure;
    if (waiting.length > 0) throw new CodedError(ErrorCode.Timeout, `Graph did not answer for ${waiting.length} businesses within the budget`);
  }

  /** Up to 20 reads that may be asked now, their mailboxes' slots taken; none while the instance has no room. */
  private nextBatch(waiting: StaffRead[]): StaffRead[] | undefined {
    const now = performance.now();
    const batch = waiting.filter((r) => r.notBefore <= now && this.pacer.hasRoom(r.businessId, true)).slice(0, BATCH_LIMIT);
    if (batch.length === 0 || !this.pacer.tryTake(batch.map((r) => r.businessId), true)) return undefined;
    for (const read of batch) waiting.splice(waiting.indexOf(read), 1);
    return batch;
  }

  /** One batch of staff reads; what Graph throttled, or did not answer, goes back to `waiting` for later. */
  private async staffBatch(acting: Acting, reads: StaffRead[], waiting: StaffRead[], found: (businessId: string, staff: StaffMember[] | CodedError) => void): Promise<void> {
    const later = (read: StaffRead, retryAfterSeconds?: number) => waiting.push({ ...read, tries: read.tries + 1, notBefore: performance.now() + (retryAfterSeconds !== undefined ? retryAfterSeconds * 1_000 : staffReadBackOffMs(read.tries)) });
    const requests = reads.map((read, i) => ({ id: String(i + 1), method: 'GET', url: `${this.business(read.businessId)}/staffMembers`, headers: INCLUDE_UNKNOWN_ENUM_MEMBERS }));
    let members: BatchMemberAnswer[];
    try {
      const token = await this.tokenFor(acting);
      const answer = await this.answerTo(acting, () => byDeadline(this.request(acting, '/$batch', token).post({ requests }), acting.deadline ?? Infinity, 'Microsoft Graph'));
      members = (jsonOf(answer) as { responses?: BatchMemberAnswer[] }).responses ?? [];
    } catch (error) {
      if (!isPassing(error) || !reads.every(mayRetry(error))) throw error;
      for (const read of reads) later(read, error.retryAfterSeconds);
      return;
    }
    const answered = new Set<StaffRead>();
    for (const member of members) {
      const read = reads[Number(member.id) - 1];
      if (!read || answered.has(read)) continue;
      answered.add(read);
      const outcome = await this.staffIn(acting, read.businessId, member);
      const again = isPassing(outcome) && mayRetry(outcome)(read);
      if (member.status === 429 || (member.status === 503 && isPassing(outcome))) {
        this.telemetry.graphThrottled({ route: graphRoute(`${this.linkPrefix}${this.business(read.businessId).slice(1)}/staffMembers`), status: member.status, retryAfterSeconds: isPassing(outcome) ? outcome.retryAfterSeconds : undefined, waited: again });
      }
      if (again) later(read, outcome.retryAfterSeconds);
      else found(read.businessId, outcome);
    }
    for (const read of reads) if (!answered.has(read)) later(read);
  }

  /** A batch member's staff, or its error; a roster longer than one page is read on its own, all pages. */
  private async staffIn(acting: Acting, businessId: string, member: BatchMemberAnswer): Promise<StaffMember[] | CodedError> {
    const status = member.status ?? 500;
    if (status < 200 || status >= 300) return this.refused(acting, toDomainError(await graphErrorOf(memberResponse(status, member))));
    const body = (member.body ?? {}) as Collection<GraphStaffMember>;
    if (body['@odata.nextLink'] !== undefined) return this.listStaff(acting, businessId).catch(toDomainError);
    return (body.value ?? []).map(parseStaffMember).filter((s) => s !== undefined);
  }

  async calendarView(acting: Acting, businessId: string, window: TimeWindow, staffed?: (staffMemberIds: readonly string[]) => boolean): Promise<Appointment[]> {
    const path = `${this.business(businessId)}/calendarView?start=${graphTime(window.start)}&end=${graphTime(window.end)}`;
    const items = await this.getAll<GraphAppointment>(acting, path, { pages: this.calendarPages, mailbox: businessId });
    const kept = staffed ? items.filter((a) => staffed(a.staffMemberIds ?? [])) : items;
    return kept.map((a) => parseAppointment(a, businessId)).filter((a) => a !== undefined);
  }

  async getAppointment(acting: Acting, businessId: string, appointmentId: string): Promise<Appointment> {
    const raw = await this.get<GraphAppointment>(acting, this.appointment(businessId, appointmentId), { mailbox: businessId });
    const appointment = parseAppointment(raw, businessId);
    if (!appointment) throw new CodedError(ErrorCode.Internal, 'Graph returned an appointment without id or times');
    return { ...appointment, details: parseAppointmentDetails(raw) };
  }

  async cancelAppointment(acting: Acting, businessId: string, appointmentId: string, cancellationMessage: string): Promise<{ requestId?: string }> {
    const path = `${this.appointment(businessId, appointmentId)}/cancel`;
    const token = await this.tokenFor(acting);
    // A 204 has no body: the request-id that the audit trail keeps is in the headers.
    const response = await this.pacer.run([businessId], acting.deadline ?? Infinity, () => this.answerTo(acting, () => this.request(acting, path, token).post({ cancellationMessage })));
    return { requestId: response.headers.get('request-id') ?? undefined };
  }

  /** The business's path; an id that cannot be one path segment is refused before anything is sent. */
  private business(businessId: string): string {
    if (!isPathSegment(businessId)) throw new CodedError(ErrorCode.InvalidAction, 'A business id that cannot stand as one path segment');
    return `${this.options.bookingsRoot}/${segment(businessId)}`;
  }

  /** The appointment's path; refused before anything is sent when Graph could not read it (see isAddressable). */
  private appointment(businessId: string, appointmentId: string): string {
    if (!isAddressable(appointmentId)) throw new CodedError(ErrorCode.NotAddressable, 'Graph cannot address an appointment id that holds "/"');
    return `${this.business(businessId)}/appointments/${segment(appointmentId)}`;
  }

  /**
   * A read's JSON, paced in its business's mailbox (see GraphPacer); with `pages`, shared with the reads whose answer
   * was the same bytes (see DecodedPages).
   */
  private async get<T>(acting: Acting, path: string, { headers = {}, pages, mailbox }: ReadOptions & { pages?: { memo: DecodedPages; key: string } } = {}): Promise<T> {
    // The token is fetched before the call: errors thrown inside the SDK's chain lose their type.
    const token = await this.tokenFor(acting);
    const deadline = acting.deadline ?? Infinity;
    // By the deadline also while a retry waits out its back-off (the request's own signal ends only its fetches).
    const send = () => this.answerTo(acting, () => byDeadline(this.request(acting, path, token).headers(headers).get(), deadline, 'Microsoft Graph'));
    const response = await this.pacer.run(mailbox === undefined ? [] : [mailbox], deadline, send);
    return (pages ? pages.memo.json(pages.key, response, jsonOf) : jsonOf(response)) as T;
  }

  /**
   * Graph's answer to what `send` sent, taken raw: the SDK keeps no headers (so no Retry-After) on an error whose body
   * is not JSON. A refusal, or no answer, is a coded error.
   */
  private async answerTo(acting: Acting, send: () => Promise<unknown>): Promise<GraphAnswer> {
    let response: GraphAnswer;
    try {
      // The chain's last link is always GraphTransport (clientFactory.ts).
      response = (await send()) as GraphAnswer;
    } catch (error) {
      throw await this.refused(acting, toDomainError(error));
    }
    if (!response.ok) throw await this.refused(acting, toDomainError(await graphErrorOf(response)));
    return response;
  }

  /** The user's Graph token, within what is left of the turn: an Entra ID that hangs must not hold the turn. */
  private tokenFor(acting: Acting): Promise<string> {
    return byDeadline(this.tokens.getToken(acting), acting.deadline ?? Infinity, 'Entra ID');
  }

  /** A request as the user, answered raw (see answerTo), ending by their turn's deadline (retries included), counted by their turn's meter. */
  private request(acting: Acting, path: string, token: string): GraphRequest {
    const options = [new TurnDeadline(acting.deadline ?? Infinity), ...(acting.meter ? [new TurnMeter(acting.meter)] : [])];
    return this.client.api(path).header('Authorization', `Bearer ${token}`).middlewareOptions(options).responseType(ResponseType.RAW);
  }

  /** A token Graph refused (revoked, expired early) is never offered again: the next call gets a new one. */
  private async refused(acting: Acting, error: CodedError): Promise<CodedError> {
    if (error.code === ErrorCode.Unauthorized) await this.tokens.forget(acting);
    return error;
  }

  /** Every page of a collection, following @odata.nextLink verbatim while it stays on our Graph base URL. */
  private async getAll<T>(acting: Acting, path: string, { headers, pages, mailbox }: ReadOptions & { pages?: DecodedPages } = {}): Promise<readonly T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    // Which page of which collection: the query (the window's start, to the second) is left to the bytes to compare.
    const collection = path.split('?')[0]!;
    for (let page = 0; next !== undefined; page++) {
      if (page >= this.options.maxPages) throw new CodedError(ErrorCode.Unavailable, `More than ${this.options.maxPages} pages`);
      const shared = pages && { memo: pages, key: `${collection}#${page}` };
      const body: Collection<T> = await this.get<Collection<T>>(acting, next, { headers, pages: shared, mailbox });
      items.push(...(body.value ?? []));
      next = body['@odata.nextLink'] === undefined ? undefined : this.relativeLink(body['@odata.nextLink']);
    }
    return items;
  }

  private relativeLink(link: string): string {
    if (!link.startsWith(this.linkPrefix)) {
      throw new CodedError(ErrorCode.Unavailable, 'Graph returned a next link outside the configured base URL');
    }
    return `/${link.slice(this.linkPrefix.length)}`;
  }
}
