import { isRestError } from '@azure/core-rest-pipeline';
import type { ContainerClient } from '@azure/storage-blob';
import type { AuditEntry } from '../bookings/audit.js';
import { STORAGE_CALL_MS } from '../config/durations.js';
import { type BlobAccess, containerClientOf } from '../storage/blobAccess.js';
import { within } from '../storage/deadline.js';
import { type AuditSink, dayOf, fromJsonLines, toJsonLines } from './auditSink.js';

/**
 * Several instances: append blobs, one per UTC hour (audit/2026-11-27/13.jsonl). Each append is one atomic
 * block, so instances never interleave inside a line; an hour keeps well under a blob's 50,000-block limit.
 */
export class BlobAuditSink implements AuditSink {
  private readonly container: ContainerClient;

  /** `access`: a connection string, or the account URL with an Entra ID credential (see storage/blobAccess.ts). */
  constructor(access: BlobAccess, containerName: string) {
    this.container = containerClientOf(access, containerName, { retryOptions: { maxTries: 2 } });
  }

  append(entries: AuditEntry[]): Promise<void> {
    return within(STORAGE_CALL_MS, this.appendNow(entries));
  }

  private async appendNow(entries: AuditEntry[]): Promise<void> {
    const now = new Date();
    const blob = this.container.getAppendBlobClient(`audit/${dayOf(now)}/${now.toISOString().slice(11, 13)}.jsonl`);
    const body = toJsonLines(entries);
    try {
      await blob.appendBlock(body, Buffer.byteLength(body));
    } catch (error) {
      if (!(isRestError(error) && error.statusCode === 404)) throw error;
      // The first entry of the hour (or of the container) creates the blob.
      await this.container.createIfNotExists();
      await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson' } });
      await blob.appendBlock(body, Buffer.byteLength(body));
    }
  }

  async read(since: Date): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    const from = `audit/${dayOf(since)}`;
    for await (const item of this.container.listBlobsFlat({ prefix: 'audit/' })) {
      if (item.name.slice(0, from.length) < from) continue;
      const text = (await this.container.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
      entries.push(...fromJsonLines(text, since));
    }
    return entries;
  }
}
