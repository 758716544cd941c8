/**
 * A conditional write lost: the key was written by someone else first (a write-once id whose key exists, or an
 * If-Match on a version that is no longer current). Code tells it by its type. The message is botbuilder's own
 * wording for the same failure, because botbuilder's TeamsSSOTokenExchangeMiddleware recognises a duplicate token
 * exchange only by that text ("etag conflict").
 */
export class StorageWriteConflict extends Error {
  override readonly name = 'StorageWriteConflict';

  constructor(key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
  }
}
