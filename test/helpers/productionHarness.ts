import { start, type StartOptions } from '../../src/index.js';
import type { Seed } from '../../src/local-graph/seed.js';
import { LocalGraphService } from '../../src/local-graph/server.js';
import { BotHarness, captureLogs, temporaryAuditDir } from './botHarness.js';
import { FakeConnector } from './connector.js';
import { BOT_APP_ID, BOT_SECRET, LocalEntra, TENANT_ID } from './standins/entra.js';
import { CONNECTION_NAME, LocalTokenService } from './standins/tokenService.js';

/**
 * The real bot in production mode with every network peer replaced by a local stand-in: Entra ID (https), the
 * Bot Framework Token Service, the channel (signed activities, authenticated replies) and Graph (which trusts
 * only tokens from that Entra). Activities are posted with a channel token, as Azure Bot Service sends them.
 */
export async function startProductionBot(env: Record<string, string> = {}, tenant: TenantOptions = {}): Promise<ProductionHarness> {
  const entra = await new LocalEntra(tenant.seed?.users).start();
  const tokenService = await new LocalTokenService(entra).start();
  const connector = await new FakeConnector(entra).start();
  const graph = new LocalGraphService({ trustedIssuer: { issuer: entra.issuer, jwksUri: entra.jwksUri }, seed: tenant.seed, now: tenant.clock });
  await graph.start();
  const { logs, logDestination } = captureLogs();
  const bot = await start({ ...productionEnv({ entra, tokenService, connector, graph }), LOG_LEVEL: 'debug', ...env }, { logDestination, clock: tenant.clock, cancelTiming: tenant.cancelTiming, telemetry: tenant.telemetry });
  return new ProductionHarness(bot, connector, logs, graph, entra, tokenService);
}

/**
 * The directory and Bookings data of the tenant (the demo seed by default), the clock the bot and Graph share, and
 * the cancel's waits when a test shortens them.
 */
export interface TenantOptions {
  seed?: Seed;
  clock?: () => Date;
  cancelTiming?: StartOptions['cancelTiming'];
  /** Telemetry made by the test (in-memory exporters), instead of none. */
  telemetry?: StartOptions['telemetry'];
}

/** The environment of a production-mode bot whose every peer is a stand-in (also used by the benchmark). */
export function productionEnv(peers: { entra: LocalEntra; tokenService: LocalTokenService; connector: FakeConnector; graph: LocalGraphService }): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MicrosoftAppId: BOT_APP_ID,
    MicrosoftAppPassword: BOT_SECRET,
    MicrosoftAppTenantId: TENANT_ID,
    OAUTH_CONNECTION_NAME: CONNECTION_NAME,
    GRAPH_BASE_URL: peers.graph.url,
    ENTRA_AUTHORITY_HOST: peers.entra.authorityHost,
    BOT_TOKEN_SERVICE_URL: peers.tokenService.url,
    BOT_OPENID_METADATA_URL: peers.connector.openIdMetadataUrl,
    AUDIT_DIR: temporaryAuditDir(),
  };
}

export class ProductionHarness extends BotHarness {
  constructor(
    bot: ConstructorParameters<typeof BotHarness>[0],
    connector: FakeConnector,
    logs: string[],
    graph: LocalGraphService,
    readonly entra: LocalEntra,
    readonly tokenService: LocalTokenService,
  ) {
    super(bot, connector, logs, graph);
  }

  override async stop(): Promise<void> {
    await super.stop();
    await Promise.all([this.graph.stop(), this.tokenService.stop(), this.entra.stop()]);
  }

  protected override async authorization(serviceUrl: string): Promise<Record<string, string>> {
    return { Authorization: await this.connector.channelAuthorization(serviceUrl) };
  }
}
