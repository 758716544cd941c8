import type { TokenCredential } from '@azure/core-auth';
import type { Storage } from 'botbuilder';
import { ConfigError, type StorageConfig } from '../config/config.js';
import { blobAccessOf } from './blobAccess.js';
import { STORAGE_DEFAULT_TTL_MS } from '../config/durations.js';
import { BlobStateStorage } from './blobStateStorage.js';
import { ExpiringMemoryStorage } from './expiringMemoryStorage.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry/telemetry.js';
import { blobTargetOf, TracedStorage } from './tracedStorage.js';


export interface BotStorage {
  storage: Storage;
  /** Stops background work (the in-memory sweeper). */
  close(): void;
  /** Items held in this process (memory storage only; for /healthz and the benchmark). */
  items?: () => number;
}

/**
 * The one Storage for everything kept between turns: this process's memory, or the Blob container all instances
 * share, reached with a connection string or, for STORAGE_ACCOUNT_URL, with DefaultAzureCredential (the host's
 * managed identity) unless a credential is given.
 */
export function createStorage(config: StorageConfig, credential?: TokenCredential, telemetry: Telemetry = NO_TELEMETRY): BotStorage {
  if (config.kind === 'memory') {
    const memory = new ExpiringMemoryStorage(STORAGE_DEFAULT_TTL_MS);
    return { storage: memory, close: () => memory.close(), items: () => memory.size };
  }
  try {
    const access = blobAccessOf(config, credential);
    const blobs = new BlobStateStorage(access, config.container);
    // With telemetry on, each Blob operation is a span (memory is no far side: nothing to trace).
    return { storage: telemetry.enabled ? new TracedStorage(blobs, telemetry, blobTargetOf(access, config.container)) : blobs, close: () => undefined };
  } catch {
    if ('accountUrl' in config) throw new ConfigError('Invalid configuration:\n  STORAGE_ACCOUNT_URL: not a Blob endpoint (the storage account\'s "Blob service" URL, https://<account>.blob.core.windows.net)');
    // The SDK's message may quote the string, which holds the account key.
    throw new ConfigError('Invalid configuration:\n  STORAGE_CONNECTION_STRING: not an Azure Storage connection string (copy it from the storage account\'s "Access keys")');
  }
}
