import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import type { BlobAccount } from '../config/config.js';

/**
 * How this process reaches a Blob account: a connection string (account key), or the account's URL with an
 * Entra ID credential. A plain string is a connection string (what the tests and STORAGE_CONNECTION_STRING give).
 */
export type BlobAccess = string | { connectionString: string } | { accountUrl: string; credential: TokenCredential };

let shared: TokenCredential | undefined;

/**
 * DefaultAzureCredential, one per process (it caches its tokens): on an App Service, its managed identity
 * (IDENTITY_ENDPOINT/IDENTITY_HEADER); on a developer's machine, `az login` and friends. No key or secret is read.
 */
export function defaultCredential(): TokenCredential {
  shared ??= new DefaultAzureCredential();
  return shared;
}

/** The configured account, with DefaultAzureCredential (or the credential given) where it has no key. */
export function blobAccessOf(account: BlobAccount, credential?: TokenCredential): BlobAccess {
  return 'connectionString' in account ? { connectionString: account.connectionString } : { accountUrl: account.accountUrl, credential: credential ?? defaultCredential() };
}

/** The access in one of its two real forms: a plain string is a connection string. */
export function normalAccess(access: BlobAccess): Exclude<BlobAccess, string> {
  return typeof access === 'string' ? { connectionString: access } : access;
}

export function containerClientOf(access: BlobAccess, container: string, options?: StoragePipelineOptions): ContainerClient {
  const normal = normalAccess(access);
  if ('connectionString' in normal) return new ContainerClient(normal.connectionString, container, options);
  return new ContainerClient(containerUrl(normal.accountUrl, container), normal.credential, options);
}

export function containerUrl(accountUrl: string, container: string): string {
  return `${accountUrl.replace(/\/+$/, '')}/${encodeURIComponent(container)}`;
}
