import type { StorageConfig } from '../config/config.js';
import type { AuditSink } from './auditSink.js';
import { BlobAuditSink } from './blobAuditSink.js';
import { FileAuditSink } from './fileAuditSink.js';

/** The audit sink that goes with the configured storage: the shared Blob container, or local files. */
export function sinkFor(storage: StorageConfig): AuditSink {
  return storage.kind === 'blob' ? new BlobAuditSink(storage.connectionString, storage.container) : new FileAuditSink(storage.auditDir);
}
