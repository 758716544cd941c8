import type { AuditEntry, AuditTrail } from '../bookings/audit.js';
import type { PlacesCache, UserPlaces } from '../bookings/staffDirectory.js';
import type { CancellationOutcome, Telemetry } from './telemetry.js';

/*
 * Metrics of the domain's own events, counted at its ports: the domain (bookings/) imports no SDK and knows nothing
 * of telemetry; src/index.ts puts these around the ports it wires.
 */

const CANCELLATION_OUTCOMES = new Set<string>(['cancelled', 'repeated', 'refused', 'failed'] satisfies CancellationOutcome[]);

/**
 * The audit trail, with each cancellation attempt counted by its outcome as it is recorded: the trail records every
 * attempt exactly once (bookings/audit.ts), so the count is the trail's. Other entries (a day's summary) are not attempts.
 */
export class CountedAuditTrail implements AuditTrail {
  constructor(
    private readonly inner: AuditTrail,
    private readonly telemetry: Telemetry,
  ) {}

  record(entry: AuditEntry): Promise<void> {
    if (CANCELLATION_OUTCOMES.has(entry.outcome)) this.telemetry.cancellation(entry.outcome as CancellationOutcome, entry.errorCode);
    return this.inner.record(entry);
  }
}

/**
 * The membership cache (where each user's businesses and roles are remembered), its lookups counted: found complete
 * (hit), found with a scan still to finish or not found (miss).
 */
export class CountedPlacesCache implements PlacesCache {
  constructor(
    private readonly inner: PlacesCache,
    private readonly telemetry: Telemetry,
  ) {}

  async get(userKey: string): Promise<UserPlaces | undefined> {
    const found = await this.inner.get(userKey);
    this.telemetry.tokenCacheLookup('membership', found && !found.left ? 'hit' : 'miss');
    return found;
  }

  put(userKey: string, places: UserPlaces): Promise<void> {
    return this.inner.put(userKey, places);
  }

  forget(userKey: string): Promise<void> {
    return this.inner.forget(userKey);
  }

  claimScan(userKey: string, ms: number): Promise<boolean> {
    return this.inner.claimScan(userKey, ms);
  }

  releaseScan(userKey: string): Promise<void> {
    return this.inner.releaseScan(userKey);
  }
}
