// isRestError, not instanceof: BlobsStorage loads the SDK's CommonJS build, with its own RestError class.
import { isRestError } from '@azure/core-rest-pipeline';
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { Storage, StoreItems } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';
// The blob name BlobsStorage gives a key, so both paths address the same blob.
import { sanitizeBlobKey } from 'botbuilder-azure-blobs/lib/sanitizeBlobKey.js';
import { CodedError, ErrorCode } from '../bookings/errors.js';
import { STORAGE_CALL_MS } from '../config/durations.js';
import { type BlobAccess, containerClientOf, containerUrl, normalAccess } from './blobAccess.js';
import { StorageTimeoutError, within } from './deadline.js';
import { StorageWriteConflict } from './writeConflict.js';

/** Fail fast when storage is unreachable: a turn must still be answered within Teams' limits. */
const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 500 } };

/**
 * botbuilder's Storage on an Azure Blob container, shared by every instance of the bot. Reads, plain writes and
 * deletes go through BlobsStorage; two of its gaps are closed here:
 * - A write whose eTag is an id of the caller's (not "*", not a blob ETag) is botbuilder's "write once" idiom
 *   (TeamsSSOTokenExchangeMiddleware uses it, and so does the cancel ledger). MemoryStorage creates such an item
 *   when the key is free and refuses it otherwise; BlobsStorage sends the id as If-Match, which no blob ever
 *   matches, so every token exchange would be taken for a duplicate. Here it is a create with If-None-Match: *.
 * - BlobsStorage creates the container once and keeps that promise, so a first call made while storage was down
 *   would fail for the life of the process. After an unreachable-storage failure a fresh BlobsStorage is used.
 * - BlobsStorage reports a lost If-Match as a plain Error, known only by its text. Conditional writes are sent here
 *   instead, and a lost one is a StorageWriteConflict.
 * Every operation has a deadline (STORAGE_CALL_MS). Failures of the service itself, and missed deadlines, become
 * one coded error (StorageUnavailable).
 */
export class BlobStateStorage implements Storage {
  private readonly container: ContainerClient;
  private blobs: BlobsStorage;
  private containerReady?: Promise<unknown>;

  /** `access`: a connection string, or the account URL with an Entra ID credential (see blobAccess.ts). */
  constructor(
    private readonly access: BlobAccess,
    private readonly containerName: string,
  ) {
    this.container = containerClientOf(access, containerName, PIPELINE);
    this.blobs = this.freshBlobs();
  }

  read(keys: string[]): Promise<StoreItems> {
    return this.guarded(() => this.blobs.read(keys));
  }

  write(changes: StoreItems): Promise<void> {
    return this.guarded(async () => {
      const plain: StoreItems = {};
      const creates: Promise<void>[] = [];
      for (const [key, item] of Object.entries(changes) as [string, { eTag?: unknown }][]) {
        if (isWriteOnceId(item.eTag)) creates.push(this.upload(key, item, { ifNoneMatch: '*' }));
        else if (isBlobETag(item.eTag)) creates.push(this.upload(key, item, { ifMatch: item.eTag }));
        else plain[key] = item;
      }
      if (Object.keys(plain).length > 0) creates.push(this.blobs.write(plain));
      await Promise.all(creates);
    });
  }

  delete(keys: string[]): Promise<void> {
    return this.guarded(() => this.blobs.delete(keys));
  }

  /** A conditional write: a create (If-None-Match: *) or a replace of the version read (If-Match). */
  private async upload(key: string, item: { eTag?: unknown }, conditions: { ifNoneMatch: '*' } | { ifMatch: string }): Promise<void> {
    // Stored without the eTag, as BlobsStorage stores items (the blob's own ETag replaces it on read).
    const body = JSON.stringify({ ...item, eTag: undefined });
    this.containerReady ??= this.container.createIfNotExists();
    await this.containerReady;
    try {
      await this.container.getBlockBlobClient(sanitizeBlobKey(key)).upload(body, Buffer.byteLength(body), {
        conditions,
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (error) {
      // 409 BlobAlreadyExists / 412 ConditionNotMet: someone else wrote the key first (404: or deleted the version read).
      if (isRestError(error) && [409, 412, ...('ifMatch' in conditions ? [404] : [])].includes(error.statusCode ?? 0)) throw new StorageWriteConflict(key);
      throw error;
    }
  }

  private async guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await within(STORAGE_CALL_MS, operation());
    } catch (error) {
      if (!isRestError(error) && !(error instanceof StorageTimeoutError)) throw error;
      // Start over next time: the container may have to be created once storage is back.
      this.blobs = this.freshBlobs();
      this.containerReady = undefined;
      const { name, code, statusCode } = error as Error & { code?: string; statusCode?: number };
      throw new CodedError(ErrorCode.StorageUnavailable, 'Blob storage failed', { cause: { name, code, statusCode } });
    }
  }

  private freshBlobs(): BlobsStorage {
    const access = normalAccess(this.access);
    if ('connectionString' in access) return new BlobsStorage(access.connectionString, this.containerName, { storagePipelineOptions: PIPELINE });
    // BlobsStorage's token path: the container's URL and the credential (its connection string is then unused).
    return new BlobsStorage('', this.containerName, { storagePipelineOptions: PIPELINE }, containerUrl(access.accountUrl, this.containerName), access.credential);
  }
}

/** Blob ETags are quoted ("0x8D…"); "*" means "overwrite"; anything else is a caller's write-once id. */
function isWriteOnceId(eTag: unknown): boolean {
  return typeof eTag === 'string' && eTag !== '' && eTag !== '*' && !eTag.startsWith('"');
}

function isBlobETag(eTag: unknown): eTag is string {
  return typeof eTag === 'string' && eTag.startsWith('"');
}

