import type { Storage, StoreItems } from 'botbuilder';
import type { AuditSink } from '../audit/auditSink.js';
import type { AuditEntry } from '../bookings/audit.js';
import { CodedError } from '../bookings/errors.js';
import type { StorageCall, Telemetry } from '../telemetry/telemetry.js';
import type { StorageConfig } from '../config/config.js';
import { type BlobAccess, blobAccessOf, containerClientOf } from './blobAccess.js';
import { StorageWriteConflict } from './writeConflict.js';

/** Where the Blob calls go, as their spans name it: the account's host and the container (no key, no blob name). */
export interface BlobTarget {
  host: string;
  container: string;
}

export function blobTargetOf(access: BlobAccess, container: string): BlobTarget {
  return { host: new URL(containerClientOf(access, container).url).host, container };
}

/**
 * botbuilder's Storage on Blob, each operation a span (telemetry on): read, write or delete, how many items, and
 * how it ended. A lost conditional write (another turn won) is an answer, not a failure. The spans stand alone:
 * Storage's contract carries no turn (see Telemetry.storageCall).
 */
export class TracedStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    private readonly telemetry: Telemetry,
    private readonly target: BlobTarget,
  ) {}

  read(keys: string[]): Promise<StoreItems> {
    return traced(this.telemetry, { operation: 'read', ...this.target, items: keys.length }, () => this.inner.read(keys));
  }

  write(changes: StoreItems): Promise<void> {
    return traced(this.telemetry, { operation: 'write', ...this.target, items: Object.keys(changes).length }, () => this.inner.write(changes));
  }

  delete(keys: string[]): Promise<void> {
    return traced(this.telemetry, { operation: 'delete', ...this.target, items: keys.length }, () => this.inner.delete(keys));
  }
}

/** The audit trail's appends to Blob, each a span like the state's operations. */
export class TracedAuditSink implements AuditSink {
  constructor(
    private readonly inner: AuditSink,
    private readonly telemetry: Telemetry,
    private readonly target: BlobTarget,
  ) {}

  append(entries: AuditEntry[]): Promise<void> {
    return traced(this.telemetry, { operation: 'append', ...this.target, items: entries.length }, () => this.inner.append(entries));
  }

  read(since: Date): Promise<AuditEntry[]> {
    return this.inner.read(since);
  }
}

async function traced<T>(telemetry: Telemetry, call: StorageCall, operation: () => Promise<T>): Promise<T> {
  const span = telemetry.storageCall(call);
  try {
    const result = await operation();
    span.end({});
    return result;
  } catch (error) {
    if (error instanceof StorageWriteConflict) span.end({ status: 412 });
    else span.end({ error: error instanceof CodedError ? error.code : 'failed', status: statusOf(error) });
    throw error;
  }
}

/** The HTTP status of a storage failure, itself or as the coded error's cause. */
function statusOf(error: unknown): number | undefined {
  const own = (error as { statusCode?: unknown }).statusCode;
  const cause = (error as { cause?: { statusCode?: unknown } }).cause?.statusCode;
  const status = own ?? cause;
  return typeof status === 'number' ? status : undefined;
}

/** The audit sink for the configured storage, its Blob appends traced with telemetry on. */
export function tracedAuditSink(sink: AuditSink, storage: StorageConfig, telemetry: Telemetry): AuditSink {
  if (!telemetry.enabled || storage.kind !== 'blob') return sink;
  return new TracedAuditSink(sink, telemetry, blobTargetOf(blobAccessOf(storage), storage.container));
}
