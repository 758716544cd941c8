// Graph as the issues' targets describe it (and as the local Graph then plays it): hundreds of milliseconds per
// request with jitter, and Bookings' 4 concurrent requests per app and mailbox (429 + Retry-After beyond); and the
// production-mode peers a phase runs its bot against, with its users signed in.
import type { DirectoryUser, Seed } from '../src/local-graph/seed.js';
import { LocalGraphService } from '../src/local-graph/server.js';
import { FakeConnector } from '../test/helpers/connector.js';
import { LocalEntra } from '../test/helpers/standins/entra.js';
import { LocalTokenService } from '../test/helpers/standins/tokenService.js';

export const LATENCY_MS = 250;
export const JITTER = 0.2;
export const MAILBOX_CONCURRENCY = 4;

/** Entra, the Token Service, the channel and a Graph as slow as the real one, on loopback; `users` signed in. */
export async function realisticPeers(seed: Seed, users: readonly { channelId: string; directory: DirectoryUser }[], now?: () => Date) {
  const entra = await new LocalEntra(users.map((u) => u.directory)).start();
  const tokenService = await new LocalTokenService(entra).start();
  const connector = await new FakeConnector(entra).start();
  const graph = new LocalGraphService({
    seed,
    pageSize: 50,
    trustedIssuer: { issuer: entra.issuer, jwksUri: entra.jwksUri },
    now,
    latencyMs: LATENCY_MS,
    latencyJitter: JITTER,
    mailboxConcurrency: MAILBOX_CONCURRENCY,
  });
  await graph.start();
  for (const user of users) await tokenService.signInDirectly(user.channelId, user.directory);
  const authorization = await connector.channelAuthorization(connector.url);
  const stop = () => Promise.all([graph.stop(), connector.stop(), tokenService.stop(), entra.stop()]);
  return { entra, tokenService, connector, graph, authorization, stop };
}
