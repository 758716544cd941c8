import { LocalTokenProvider } from '../../src/auth/localTokenProvider.js';
import type { TokenProvider } from '../../src/auth/tokenProvider.js';
import { BookingsGraphClient } from '../../src/graph/bookingsGraphClient.js';
import { createGraphClient } from '../../src/graph/clientFactory.js';
import { type LocalGraphOptions, LocalGraphService } from '../../src/local-graph/server.js';

export const ADELE = 'AdeleV@contoso.onmicrosoft.com';
export const ALEX_VIEWER = 'AlexW@contoso.onmicrosoft.com';
export const LEE_NOT_STAFF = 'LeeG@contoso.onmicrosoft.com';
export const CONTOSO = 'ContosoLunchDelivery@contoso.onmicrosoft.com';
export const FABRIKAM = 'FabrikamWellness@contoso.onmicrosoft.com';
/** Listed to every user (Graph lists the tenant's businesses); no local user is its staff, and it refuses them with 403. */
export const NORTHWIND = 'NorthwindBikeRepair@contoso.onmicrosoft.com';

export async function startLocalGraph(options: LocalGraphOptions = {}): Promise<LocalGraphService> {
  const service = new LocalGraphService(options);
  await service.start();
  return service;
}

export interface GatewayOptions {
  version?: 'v1.0' | 'beta';
  bookingsRoot?: string;
  login?: string;
  timeoutMs?: number;
  maxRetries?: number;
  maxRetryWaitSeconds?: number;
  /** Replaces local sign-in (e.g. to send a token Graph must reject). */
  tokens?: TokenProvider;
}

/** The production Graph gateway, pointed at the local service with a locally issued token. */
export function gatewayFor(service: LocalGraphService, options: GatewayOptions = {}): BookingsGraphClient {
  const version = options.version ?? 'v1.0';
  const client = createGraphClient({
    baseUrl: service.url,
    version,
    timeoutMs: options.timeoutMs ?? 5000,
    maxRetries: options.maxRetries ?? 3,
    maxRetryWaitSeconds: options.maxRetryWaitSeconds ?? 2,
  });
  const tokens = options.tokens ?? new LocalTokenProvider(`${service.url}local/token`, options.login ?? ADELE);
  return new BookingsGraphClient(client, tokens, {
    baseUrl: service.url,
    version,
    bookingsRoot: options.bookingsRoot ?? '/solutions/bookingBusinesses',
    maxPages: 50,
  });
}
