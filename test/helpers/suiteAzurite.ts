import { afterAll, beforeAll } from 'vitest';
import { Azurite } from './standins/azurite.js';

/**
 * An Azurite for the enclosing describe block (or file): started before its tests, stopped after them. Kept apart
 * from the stand-in itself, which the benchmark also runs outside vitest.
 */
export function azuriteForSuite(options?: ConstructorParameters<typeof Azurite>[0], startTimeoutMs?: number): Azurite {
  const azurite = new Azurite(options);
  beforeAll(async () => {
    await azurite.start();
  }, startTimeoutMs);
  afterAll(async () => {
    await azurite.stop();
  });
  return azurite;
}
