/**
 * The storage convention for state that goes stale: an item may carry `expiresAt` (epoch ms). Readers treat an
 * expired item as absent; the in-memory storage drops it; on Azure, a lifecycle rule deletes old blobs (docs/instances.md).
 */
export interface Expiring {
  expiresAt?: number;
}

export function isLive(item: Expiring | undefined, now: number): boolean {
  return item !== undefined && (item.expiresAt === undefined || item.expiresAt > now);
}
