import type { TokenCredential } from '@azure/core-auth';
import type { StorageConfig } from '../config/config.js';
import { blobAccessOf } from '../storage/blobAccess.js';
import type { AuditSink } from './auditSink.js';
import { BlobAuditSink } from './blobAuditSink.js';
import { FileAuditSink } from './fileAuditSink.js';

/**
 * The audit sink that goes with the configured storage: the shared Blob container (by connection string, or by
 * STORAGE_ACCOUNT_URL with DefaultAzureCredential, or the credential given), or local files.
 */
export function sinkFor(storage: StorageConfig, credential?: TokenCredential): AuditSink {
  return storage.kind === 'blob' ? new BlobAuditSink(blobAccessOf(storage, credential), storage.container) : new FileAuditSink(storage.auditDir);
}
