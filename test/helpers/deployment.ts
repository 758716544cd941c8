import { postActivity } from './botHarness.js';
import { BlobAuditSink } from '../../src/audit/blobAuditSink.js';
import type { AuditEntry } from '../../src/bookings/audit.js';
import { type LocalGraphOptions, LocalGraphService } from '../../src/local-graph/server.js';
import { BotProcess } from './botProcess.js';
import { FakeConnector } from './connector.js';
import { productionEnv } from './productionHarness.js';
import { Azurite } from './standins/azurite.js';
import { LocalEntra } from './standins/entra.js';
import { LocalTokenService } from './standins/tokenService.js';

export type InvokeAnswer = { status: number; body: { statusCode?: number; type?: string; value?: Record<string, unknown> } | undefined };

const CONTAINER = 'bookings-bot';

/**
 * A scaled-out deployment: several bot processes in production mode sharing one Azurite, every other peer a
 * stand-in (Entra ID, Token Service, channel, Graph). Activities can be sent to any instance, as Azure Bot
 * Service's load balancer would.
 */
export class Deployment {
  readonly instances = new Map<string, BotProcess>();
  /** Every process started, killed ones included (their logs count too). */
  private readonly processes: BotProcess[] = [];
  private constructor(
    readonly azurite: Azurite,
    readonly entra: LocalEntra,
    readonly tokenService: LocalTokenService,
    readonly connector: FakeConnector,
    readonly graph: LocalGraphService,
    private readonly env: Record<string, string>,
  ) {}

  static async start(names: string[], env: Record<string, string> = {}, graphOptions: LocalGraphOptions = {}, entra = new LocalEntra()): Promise<Deployment> {
    const azurite = await new Azurite().start();
    await entra.start();
    const tokenService = await new LocalTokenService(entra).start();
    const connector = await new FakeConnector(entra).start();
    const graph = new LocalGraphService({ trustedIssuer: { issuer: entra.issuer, jwksUri: entra.jwksUri }, ...graphOptions });
    await graph.start();
    const deployment = new Deployment(azurite, entra, tokenService, connector, graph, {
      ...productionEnv({ entra, tokenService, connector, graph }),
      STORAGE_CONNECTION_STRING: azurite.connectionString,
      STORAGE_CONTAINER: CONTAINER,
      ...env,
    });
    await Promise.all(names.map((name) => deployment.startInstance(name)));
    return deployment;
  }

  /** Starts (or starts again, after a kill) the named instance. */
  async startInstance(name: string): Promise<BotProcess> {
    const instance = await new BotProcess(name, 'src/index.ts', this.env, [], true).start();
    this.instances.set(name, instance);
    this.processes.push(instance);
    return instance;
  }

  instance(name: string): BotProcess {
    const instance = this.instances.get(name);
    if (!instance) throw new Error(`no instance ${name}`);
    return instance;
  }

  /** POSTs an activity to one instance's /api/messages with the channel's token, as Azure Bot Service does. */
  async post(name: string, activity: Record<string, unknown>): Promise<InvokeAnswer> {
    const authorization = async (serviceUrl: string) => ({ Authorization: await this.connector.channelAuthorization(serviceUrl) });
    return (await postActivity(this.instance(name).url, this.connector.url, activity, authorization)) as InvokeAnswer;
  }

  /** Every audit entry the instances wrote to the shared container. */
  audit(): Promise<AuditEntry[]> {
    return new BlobAuditSink(this.azurite.connectionString, CONTAINER).read(new Date(0));
  }

  /** Every log line of every instance (including ones stopped or killed). */
  logs(): string[] {
    return this.processes.flatMap((i) => i.logs);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((i) => i.stop()));
    await Promise.all([this.graph.stop(), this.tokenService.stop(), this.entra.stop(), this.connector.stop(), this.azurite.stop()]);
  }
}
