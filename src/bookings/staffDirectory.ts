import { membershipOf } from './access.js';
import { CodedError, ErrorCode } from './errors.js';
import type { BookingsGateway } from './gateway.js';
import { byDeadline, sleepUntil } from './deadline.js';
import type { Acting, Business, Person, StaffMember, UserRef } from './types.js';

/** A business where the user is staff: its staff's names and the user's own active record. */
export interface StaffPlace {
  business: Business;
  /**
   * Display name by staff id: all a card shows of colleagues. Their addresses and roles are not kept: read on every
   * turn (from shared storage), the place stays a few hundred bytes rather than a whole roster.
   */
  staffNames: Record<string, string>;
  me: StaffMember;
}

/**
 * Who the user is and where they are staff, as Graph showed it to them. JSON-safe, so any storage can hold it. While
 * a scan of the tenant is under way, `left` holds the businesses it has yet to read: what was found so far is kept,
 * so a scan cut short (a turn's window, a stopped instance) resumes rather than starting again.
 */
export interface UserPlaces {
  person: Person;
  places: StaffPlace[];
  /** When the scan that found these began (epoch ms); absent in items written before scans were timed: stale. */
  scannedAt?: number;
  left?: { businesses: Business[]; total: number };
}

/** The user's places as known now; with `scanning` while the tenant is still being read for them. */
export interface KnownPlaces {
  places: StaffPlace[];
  scanning?: ScanProgress;
}

export interface ScanProgress {
  /** Businesses read so far (at least one: a list waits for that), of `total`. */
  checked: number;
  total: number;
  /** Resolves once every business is read (the places are then complete); rejects when the scan stopped short. */
  done: Promise<void>;
}

/**
 * Where each user's places are remembered between turns (shared by every instance), for as long as the store was
 * configured to keep them. A store that cannot be reached is a miss, never a failed turn.
 */
export interface PlacesCache {
  get(userKey: string): Promise<UserPlaces | undefined>;
  put(userKey: string, places: UserPlaces): Promise<void>;
  forget(userKey: string): Promise<void>;
  /** Takes the user's scan for `ms`, unless an instance holds it now: then false, and that instance's scan is theirs. */
  claimScan(userKey: string, ms: number): Promise<boolean>;
  releaseScan(userKey: string): Promise<void>;
}

/** Remembers nothing: every turn asks Graph (MEMBERSHIP_CACHE_SECONDS=0). */
export const NO_PLACES_CACHE: PlacesCache = {
  get: () => Promise.resolve(undefined),
  put: () => Promise.resolve(),
  forget: () => Promise.resolve(),
  claimScan: () => Promise.resolve(true),
  releaseScan: () => Promise.resolve(),
};

/** How often an instance looks at the progress of a scan another instance runs for the user. */
const WATCH_EVERY_MS = 250;

export interface ScanTiming {
  /** Places found longer ago than this are read again, in the background, at the user's next list. */
  refreshAfterMs: number;
  /** The longest one scan runs; what it found by then is kept for the next one. */
  scanMs: number;
  /** A scan's progress is written to the cache at most this often (and when it ends). */
  saveEveryMs: number;
  now: () => number;
  /** A scan stopped short (what it found is kept); the next list resumes it. */
  onScanFailed: (error: unknown) => void;
  /** A scan of this instance's ended: after how long, whether it read every business, whether it was a refresh. Measurement only. */
  onScanEnded?: (ms: number, result: 'complete' | 'stopped', refresh: boolean) => void;
}

const FOREGROUND: ScanTiming = { refreshAfterMs: Infinity, scanMs: Infinity, saveEveryMs: 1_000, now: Date.now, onScanFailed: () => undefined };

/** What Graph answers for a business the user may not read (not, or no longer, its staff; or gone): not one of theirs. */
export function isRefusedBusiness(error: unknown): boolean {
  return error instanceof CodedError && [ErrorCode.Forbidden, ErrorCode.NotFound, ErrorCode.NotStaffOfBusiness].includes(error.code);
}

interface Scan {
  state: UserPlaces;
  done: Promise<void>;
  /** Resolves once a business's staff has been read: the scan has something to show. */
  progressed: Promise<void>;
  /** A refresh of places the user already sees: lists meanwhile show those, not its progress. */
  quiet: boolean;
}

/**
 * Finds, and remembers, the businesses where a user is staff. Graph lists every business of the tenant (up to 500),
 * not the user's, and refuses a business's staff to someone who is not its staff (403, or 404 ErrorFolderNotFound):
 * so finding them reads the staff of every business. That is a scan: one per user at a time on this instance, kept
 * as it goes, and answered as far as it got when a turn cannot wait for the rest.
 */
export class StaffDirectory {
  /** Scans under way on this instance, by user key: a second list (a card refresh, a double click) joins the first. */
  private readonly scans = new Map<string, Scan>();

  constructor(
    private readonly gateway: BookingsGateway,
    private readonly cache: PlacesCache,
    private readonly timing: ScanTiming = FOREGROUND,
  ) {}

  /**
   * The user's places: remembered (and read again in the background once older than refreshAfterMs), or found by a
   * scan waited for until `answerBy` (performance.now()); a scan still going then is answered as far as it got.
   * `rescan`: the user asked to read the tenant again (someone just added them to a business); one already under way
   * for them is that one.
   */
  async placesOf(acting: Acting, answerBy = Infinity, rescan = false): Promise<KnownPlaces> {
    const key = userKeyOf(acting.user);
    const running = this.scans.get(key);
    const kept = running && !running.quiet ? undefined : await this.cache.get(key);
    const age = kept ? this.timing.now() - (kept.scannedAt ?? 0) : Infinity;
    if (kept && !kept.left && !rescan) {
      if (!running && age >= this.timing.refreshAfterMs) this.scanFor(acting, key, { ...kept, left: undefined }, true).catch(this.timing.onScanFailed);
      return { places: kept.places };
    }
    const scan = running ?? (await this.scanFor(acting, key, kept, false))!;
    let finished = await Promise.race([scan.done.then(() => true), sleepUntil(answerBy).then(() => false)]);
    // An answer with nothing read yet shows nothing: until a first business is read, the turn waits (by its
    // deadline) as for any read. A small tenant is then read whole; a large one answers with what it has.
    if (!finished && checkedOf(scan.state) === 0) finished = await byDeadline(Promise.race([scan.done.then(() => true), scan.progressed.then(() => false)]), acting.deadline ?? Infinity, 'Microsoft Graph');
    const { places, left } = scan.state;
    if (finished) return { places };
    return { places, scanning: { checked: checkedOf(scan.state), total: left?.total ?? 0, done: scan.done } };
  }

  /** The business (its name) and the user's place in it, remembered or read; no place where they are not staff. */
  async placeOf(acting: Acting, businessId: string): Promise<{ business: Business; place?: StaffPlace }> {
    const unnamed = { id: businessId, displayName: businessId };
    const key = userKeyOf(acting.user);
    const scanned = this.scans.get(key)?.state;
    const kept = scanned?.left ? scanned : await this.cache.get(key);
    if (kept && !kept.left?.businesses.some((b) => sameId(b.id, businessId))) {
      const place = kept.places.find((p) => sameId(p.business.id, businessId));
      return { business: place?.business ?? unnamed, place };
    }
    // Not known (yet): read only this business rather than the whole tenant's, and remember nothing partial.
    const [person, business, staff] = await Promise.all([
      this.gateway.me(acting),
      this.gateway.getBusiness(acting, businessId).catch(unlessRefused(unnamed)),
      this.gateway.listStaff(acting, businessId).catch(unlessRefused([])),
    ]);
    return { business, place: placeAmong(person, business, staff) };
  }

  /**
   * Graph refused the user a business the directory placed them in (removed as staff, or a role changed): the place
   * goes at once, and the rest is read again at the next list, in the background, so a changed role comes back.
   */
  async drop(acting: Acting, businessId: string): Promise<void> {
    const key = userKeyOf(acting.user);
    const kept = await this.cache.get(key);
    if (!kept) return;
    await this.cache.put(key, { ...kept, places: kept.places.filter((p) => !sameId(p.business.id, businessId)), scannedAt: 0 });
  }

  /** Everything remembered of the user goes (sign-out). */
  forget(user: UserRef): Promise<void> {
    return this.cache.forget(userKeyOf(user));
  }

  /**
   * The user's scan: this instance's, or (when another instance holds it) that one's progress as it saves it. A
   * refresh another instance already runs is left to it.
   */
  private async scanFor(acting: Acting, key: string, from: UserPlaces | undefined, quiet: boolean): Promise<Scan | undefined> {
    const claimed = await this.cache.claimScan(key, this.timing.scanMs);
    // Another list of the user's on this instance may have started one meanwhile.
    const running = this.scans.get(key);
    if (running) {
      if (claimed) await this.cache.releaseScan(key);
      return running;
    }
    if (claimed) return this.startScan(acting, key, from, quiet);
    return quiet ? undefined : this.watch(acting, key, from);
  }

  /**
   * Another instance's scan for the user, followed through the progress it saves. If it stops short (its instance
   * stopped, or its budget ran out), this instance takes the scan over from where it got.
   */
  private watch(acting: Acting, key: string, from: UserPlaces | undefined): Scan {
    const { scan, progressed } = newScan(from, false);
    const run = async (): Promise<void> => {
      const until = performance.now() + this.timing.scanMs;
      while (performance.now() < until) {
        await sleepUntil(performance.now() + WATCH_EVERY_MS);
        const seen = await this.cache.get(key);
        if (seen) {
          scan.state = seen;
          if (checkedOf(seen) > 0) progressed();
          if (!seen.left) return;
        }
        if (await this.cache.claimScan(key, this.timing.scanMs)) {
          this.scans.delete(key);
          const own = this.startScan(acting, key, seen?.left ? seen : undefined, false);
          void own.progressed.then(progressed);
          scan.state = own.state;
          await own.done;
          scan.state = own.state;
          return;
        }
      }
      throw new CodedError(ErrorCode.Timeout, "Another instance's scan did not end within the budget");
    };
    scan.done = run().finally(() => {
      if (this.scans.get(key) === scan) this.scans.delete(key);
    });
    scan.done.catch(this.timing.onScanFailed);
    this.scans.set(key, scan);
    return scan;
  }

  /**
   * Reads every business (those `from.left` names, when resuming; else all that Graph lists) and keeps the places
   * found. A visible scan writes what it found as it goes; a quiet one (a refresh) only its complete result, so the
   * places it replaces serve every list until then.
   */
  private startScan(acting: Acting, key: string, from: UserPlaces | undefined, quiet: boolean): Scan {
    // The scan may outlive the turn that started it: its own deadline (its calls still log as that turn's).
    const scanner: Acting = { ...acting, deadline: performance.now() + this.timing.scanMs };
    const { scan, progressed } = newScan(from, quiet);
    const began = performance.now();
    let savedAt = this.timing.now();
    let saving = Promise.resolve();
    const save = (force: boolean) => {
      if (!force && this.timing.now() - savedAt < this.timing.saveEveryMs) return;
      savedAt = this.timing.now();
      const state = { ...scan.state, left: scan.state.left && { ...scan.state.left } };
      saving = saving.then(() => this.cache.put(key, state));
    };
    const run = async () => {
      if (!from?.left) {
        const [person, businesses] = await Promise.all([this.gateway.me(scanner), this.gateway.listBusinesses(scanner)]);
        const listed = new Set(businesses.map((b) => b.id.toLowerCase()));
        // A refresh starts from the places it replaces (less businesses Graph no longer lists): lists meanwhile show them.
        const places = (from?.places ?? []).filter((p) => listed.has(p.business.id.toLowerCase()));
        scan.state = { person, places, scannedAt: this.timing.now(), left: { businesses, total: businesses.length } };
      }
      const { state } = scan;
      const left = state.left!;
      let failure: CodedError | undefined;
      try {
        await this.gateway.staffOfEach(scanner, left.businesses.map((b) => b.id), (businessId, staff) => {
          // A business that failed otherwise stays to be read by the next scan.
          if (staff instanceof CodedError && !isRefusedBusiness(staff)) return void (failure ??= staff);
          const business = left.businesses.find((b) => b.id === businessId)!;
          const place = staff instanceof CodedError ? undefined : placeAmong(state.person, business, staff);
          state.places = [...state.places.filter((p) => !sameId(p.business.id, businessId)), ...(place ? [place] : [])].sort(byName);
          left.businesses = left.businesses.filter((b) => b !== business);
          progressed();
          if (!quiet) save(false);
        });
      } finally {
        if (left.businesses.length === 0) state.left = undefined;
        if (!quiet || !state.left) save(true);
        await saving;
      }
      if (state.left) throw failure ?? new CodedError(ErrorCode.Timeout, `${state.left.businesses.length} businesses were not read`);
    };
    scan.done = run().finally(async () => {
      if (this.scans.get(key) === scan) this.scans.delete(key);
      await this.cache.releaseScan(key);
    });
    // Reported once here, whoever else waits for it (or nobody: a refresh, a list already answered).
    scan.done.catch(this.timing.onScanFailed);
    scan.done.then(
      () => this.timing.onScanEnded?.(performance.now() - began, 'complete', quiet),
      (_reportedAbove: unknown) => this.timing.onScanEnded?.(performance.now() - began, 'stopped', quiet),
    );
    this.scans.set(key, scan);
    return scan;
  }
}

/** A scan not yet begun: from what is known (nobody, before `/me`), and the call that says it has read something. */
function newScan(from: UserPlaces | undefined, quiet: boolean): { scan: Scan; progressed: () => void } {
  let progressed = () => {};
  const state = from ?? { person: { id: '', displayName: '', emailAddresses: [] }, places: [] };
  const scan: Scan = { state, done: Promise.resolve(), progressed: new Promise((resolve) => (progressed = resolve)), quiet };
  return { scan, progressed };
}

/** How many businesses a scan has read: none until Graph has listed them. */
function checkedOf(state: UserPlaces): number {
  return state.left ? state.left.total - state.left.businesses.length : 0;
}

/** Places in the order a person looks for them: by business name. */
function byName(a: StaffPlace, b: StaffPlace): number {
  return a.business.displayName.localeCompare(b.business.displayName) || a.business.id.localeCompare(b.business.id);
}

/** The user's place in a business with these staff, if they are an active member of it. */
function placeAmong(person: Person, business: Business, staff: StaffMember[]): StaffPlace | undefined {
  const me = membershipOf(person, staff);
  return me ? { business, staffNames: Object.fromEntries(staff.map((s) => [s.id, s.displayName])), me } : undefined;
}

/** For a read in a business: `instead` where Graph refuses the business to this user; any other failure stands. */
function unlessRefused<T>(instead: T): (error: unknown) => T {
  return (error) => {
    if (isRefusedBusiness(error)) return instead;
    throw error;
  };
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Everything kept per user (places and roles, business choices, grants, the audit's "who") is keyed by the channel
 * and the identity in the user's token: its tenant and object id (UserRef, after sign-in). A user known by no such
 * identity (tests, scripts) is keyed by their channel id, apart from every token identity.
 */
export function userKeyOf(user: UserRef): string {
  return `${user.channel ?? ''}/${user.tenantId ?? ''}/${user.aadObjectId ?? `channel-user:${user.id}`}`;
}
