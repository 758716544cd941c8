import type { Storage } from 'botbuilder';
import { ConfigError, type StorageConfig } from '../config/config.js';
import { BlobStateStorage } from './blobStateStorage.js';
import { ExpiringMemoryStorage } from './expiringMemoryStorage.js';

/** Items written without their own lifetime (botbuilder's token-exchange de-duplication marks) live this long. */
const DEFAULT_TTL_MS = 60 * 60 * 1000;

export interface BotStorage {
  storage: Storage;
  /** Stops background work (the in-memory sweeper). */
  close(): void;
  /** Items held in this process (memory storage only; for /healthz and the benchmark). */
  items?: () => number;
}

/** The one Storage for everything kept between turns: this process's memory, or the Blob container all instances share. */
export function createStorage(config: StorageConfig): BotStorage {
  if (config.kind === 'memory') {
    const memory = new ExpiringMemoryStorage(DEFAULT_TTL_MS);
    return { storage: memory, close: () => memory.close(), items: () => memory.size };
  }
  try {
    return { storage: new BlobStateStorage(config.connectionString, config.container), close: () => undefined };
  } catch {
    // The SDK's message may quote the string, which holds the account key.
    throw new ConfigError('Invalid configuration:\n  STORAGE_CONNECTION_STRING: not an Azure Storage connection string (copy it from the storage account\'s "Access keys")');
  }
}
