import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { type ConsentLinks, consentLinksFor } from './auth/consentLinks.js';
import { LocalTokenProvider } from './auth/localTokenProvider.js';
import { ManagedIdentityAssertion } from './auth/managedIdentityAssertion.js';
import { createMsalClient } from './auth/msalClient.js';
import { OboTokenProvider } from './auth/oboTokenProvider.js';
import type { TokenProvider } from './auth/tokenProvider.js';
import { createAdapter, type ProductionAdapterParts } from './bot/adapter.js';
import { describe, FailureSink } from './bot/failures.js';
import { InboundGate } from './bot/inbound/gate.js';
import { confirmCancel } from './bot/handlers/confirmCancel.js';
import { help, welcome } from './bot/handlers/help.js';
import { listAppointments } from './bot/handlers/listAppointments.js';
import { promptCancel } from './bot/handlers/promptCancel.js';
import { showDetails } from './bot/handlers/showDetails.js';
import { dayCancelHandlers } from './bot/handlers/dayCancelHandlers.js';
import { StoredBusinessChoices } from './storage/storedBusinessChoices.js';
import { LocalSignIn } from './bot/signIn/localSignIn.js';
import { PendingActions } from './bot/signIn/pendingActions.js';
import { ActivityRouter } from './bot/router.js';
import type { SignInProvider } from './bot/signIn/signIn.js';
import { TokenServiceSignIn } from './bot/signIn/tokenServiceSignIn.js';
import { BufferedAuditTrail } from './audit/bufferedAuditTrail.js';
import { sinkFor } from './audit/sinks.js';
import { CancelGrants } from './bookings/cancelGrant.js';
import { Cancellations } from './bookings/cancellations.js';
import { derivedKey } from './auth/derivedKey.js';
import { BookingsService } from './bookings/service.js';
import { cancelGrantMs, type CancelTiming, cancelTimingFor, GRAPH_REQUESTS_IN_FLIGHT, membershipCacheMs, PLACES_KEPT_MS, SCAN_SAVE_EVERY_MS, scanBudgetMs, scanWaitMs } from './config/durations.js';
import { NO_PLACES_CACHE, StaffDirectory } from './bookings/staffDirectory.js';
import { Verb } from './cards/verbs.js';
import { type Config, ConfigError, loadConfig, type ProductionModeConfig, unknownSettings } from './config/config.js';
import { BookingsGraphClient } from './graph/bookingsGraphClient.js';
import { createGraphClient } from './graph/clientFactory.js';
import { GraphPacer } from './graph/graphPacer.js';
import type { LocalGraphService } from './local-graph/server.js';
import { createLogger } from './logging/logger.js';
import { startServer } from './server/server.js';
import { type BotStorage, createStorage } from './storage/createStorage.js';
import { StorageCancelLedger } from './storage/storageCancelLedger.js';
import { KEY_ROOT_KEY, processKeyRoot, SharedKeyRoot } from './storage/storageKeyRoot.js';
import { StoragePlacesCache } from './storage/storagePlacesCache.js';
import { StorageTokenCache } from './storage/storageTokenCache.js';
import { tracedAuditSink } from './storage/tracedStorage.js';
import { CountedAuditTrail, CountedPlacesCache } from './telemetry/domainCounters.js';
import { startTelemetry } from './telemetry/start.js';
import type { Telemetry } from './telemetry/telemetry.js';

export interface RunningBot {
  /** e.g. http://127.0.0.1:3978 (messages at /api/messages) */
  url: string;
  config: Config;
  /** The embedded Graph service in local mode (tests reach its data and faults through it). */
  localGraph?: LocalGraphService;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logDestination?: NodeJS.WritableStream;
  clock?: () => Date;
  /** The names a .env file set: any the bot does not know is reported (it would be ignored). */
  envFileNames?: readonly string[];
  /** The cancel's waits, when a test shortens them (a second confirm waits 8 s for another turn's cancel). */
  cancelTiming?: Partial<CancelTiming>;
  /** Telemetry made by a test (in-memory exporters) instead of what APPLICATIONINSIGHTS_CONNECTION_STRING says. */
  telemetry?: Telemetry;
}

/** The composition root: reads configuration once and wires every part. */
export async function start(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<RunningBot> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, options.logDestination);
  const unknown = unknownSettings(options.envFileNames ?? []);
  if (unknown.length > 0) logger.warn({ unknown }, '.env sets names that are no setting of the bot: they are ignored (see docs/configuration.md)');
  const clock = options.clock ?? (() => new Date());
  // Off without APPLICATIONINSIGHTS_CONNECTION_STRING: then nothing of OpenTelemetry is loaded (telemetry/start.ts).
  const telemetry = options.telemetry ?? (await startTelemetry(config.telemetry, logger));

  let localGraph: LocalGraphService | undefined;
  let graphBaseUrl = config.graph.baseUrl;
  // Everything kept between turns (pending sign-ins, token-exchange de-duplication, cancel ledger, business choices,
  // shared Graph tokens) goes through one Storage: memory for one instance, a Blob container for several.
  const state = createStorage(config.storage, undefined, telemetry);
  const { storage } = state;
  const shared = config.storage.kind === 'blob';
  const audit = new BufferedAuditTrail(tracedAuditSink(sinkFor(config.storage), config.storage, telemetry), logger);
  let tokens: TokenProvider;
  let signIn: SignInProvider;
  let production: ProductionAdapterParts | undefined;
  let obo: OboTokenProvider | undefined;
  let consentLinks: ConsentLinks | undefined;
  let keyRoot: string | undefined;
  if (config.mode.kind === 'local') {
    // The stand-in is loaded in local mode only: production never carries its code or its seed.
    const [{ LocalGraphService }, { DEFAULT_LOCAL_USER }] = await Promise.all([import('./local-graph/server.js'), import('./local-graph/seed.js')]);
    if (graphBaseUrl === undefined) {
      localGraph = new LocalGraphService({ port: config.mode.graphPort, pageSize: config.mode.graphPageSize, now: clock });
      graphBaseUrl = await localGraph.start().catch(inUse('LOCAL_GRAPH_PORT', config.mode.graphPort));
    }
    const login = config.mode.user ?? DEFAULT_LOCAL_USER;
    if (localGraph && !localGraph.identity.findUser(login)) {
      await localGraph.stop();
      throw new ConfigError(`Invalid configuration:\n  LOCAL_USER: ${login} is not in the local directory; the seeded users are ${localGraph.identity.logins.join(', ')}`);
    }
    logger.info(
      { mode: 'local', graph: graphBaseUrl, embeddedGraph: localGraph !== undefined, signedInAs: login },
      'Local mode: activities are accepted WITHOUT authentication (Emulator / Agents Playground); Graph is the local Bookings service',
    );
    tokens = new LocalTokenProvider(`${graphBaseUrl}local/token`, login);
    signIn = new LocalSignIn(login);
  } else {
    const { mode } = config;
    const identity = mode.credential.kind === 'managedIdentity' ? new ManagedIdentityAssertion(mode.credential.clientId, logger) : undefined;
    logger.info(
      { mode: 'production', graph: graphBaseUrl, appId: mode.appId, connection: mode.connectionName, credential: mode.credential.kind, managedIdentitySource: identity?.source },
      'Production mode: every activity must carry a valid Bot Framework token; Graph is called on behalf of each signed-in user',
    );
    keyRoot = await keyRootOf(mode, storage, shared).catch((error: unknown) => {
      logger.fatal({ err: describe(error), code: (error as { code?: unknown }).code, key: KEY_ROOT_KEY }, 'the key root cannot be read or created in the shared storage; stopping');
      throw error;
    });
    const msal = createMsalClient(mode, logger, identity?.assertion);
    obo = new OboTokenProvider(msal, {
      scopes: mode.graphScopes,
      authorityHost: mode.authorityHost,
      tenantId: mode.appType === 'SingleTenant' ? mode.tenantId : undefined,
      // One instance has nothing to share; several share Graph tokens through the Blob container.
      shared: shared ? new StorageTokenCache(storage, keyRoot) : undefined,
      onSharedCacheError: (error, logFields) => logger.warn({ ...logFields, err: { type: (error as Error).name, code: (error as { code?: unknown }).code } }, 'shared token cache unavailable; using this instance\'s own'),
      telemetry,
    });
    tokens = obo;
    signIn = new TokenServiceSignIn(mode.connectionName, obo, mode.tokenServiceUrl, telemetry);
    consentLinks = consentLinksFor(mode);
    production = { msal, storage };
  }

  logger.info({ storage: config.storage.kind, container: config.storage.kind === 'blob' ? config.storage.container : undefined, auditMessages: config.auditMessages }, 'State and audit storage');
  const graphOptions = { ...config.graph, baseUrl: graphBaseUrl! };
  const gateway = new BookingsGraphClient(createGraphClient(graphOptions, logger, telemetry), tokens, { ...graphOptions, maxPages: 100 }, new GraphPacer(GRAPH_REQUESTS_IN_FLIGHT), telemetry);
  const { turnTimeoutMs } = config.graph;
  const remembered = config.membershipCacheSeconds > 0 ? new StoragePlacesCache(storage, PLACES_KEPT_MS) : NO_PLACES_CACHE;
  const places = telemetry.enabled ? new CountedPlacesCache(remembered, telemetry) : remembered;
  const directory = new StaffDirectory(gateway, places, {
    refreshAfterMs: membershipCacheMs(config.membershipCacheSeconds),
    scanMs: scanBudgetMs(turnTimeoutMs),
    saveEveryMs: SCAN_SAVE_EVERY_MS,
    now: () => clock().getTime(),
    onScanFailed: (error) => logger.warn({ err: describe(error), code: (error as { code?: unknown }).code }, 'business scan stopped short; the next list resumes it'),
    onScanEnded: (ms, result, refresh) => telemetry.discovery(ms, result, refresh),
  });
  const bookings = new BookingsService(gateway, directory, clock, config.windowDays);
  const sink = new FailureSink(logger, consentLinks);
  const cancellations = new Cancellations({
    gateway,
    directory,
    ledger: new StorageCancelLedger(storage),
    // Each attempt counted as the trail records it (bookings.cancellations).
    audit: telemetry.enabled ? new CountedAuditTrail(audit, telemetry) : audit,
    clock,
    leaseClock: Date.now,
    auditMessages: config.auditMessages,
    noted: (error, what) => sink.noted(undefined, error, what),
    ...cancelTimingFor(turnTimeoutMs),
    ...options.cancelTiming,
  });
  // Production: every instance derives the same key from the key root; local mode has no credential and one process.
  const grantKey = keyRoot !== undefined ? derivedKey(keyRoot, 'cancel grant v2') : randomBytes(32);
  const grants = new CancelGrants(grantKey, cancelGrantMs(config.membershipCacheSeconds), () => clock().getTime());
  // A day's cancellation (bookings/dayCancellation.ts): its grant's key is derived for that purpose alone.
  const dayGrantKey = keyRoot !== undefined ? derivedKey(keyRoot, 'cancel day grant v1') : randomBytes(32);
  const dayCancel = dayCancelHandlers({ bookings, cancellations, storage, audit, clock, turnTimeoutMs, dayGrantKey, grantMs: cancelGrantMs(config.membershipCacheSeconds), auditMessages: config.auditMessages, noted: (error, what) => sink.noted(undefined, error, what) });
  const choices = new StoredBusinessChoices(storage);
  const listSettings = { windowDays: config.windowDays, pageSize: config.pageSize, clock, scanWaitMs: scanWaitMs(turnTimeoutMs), followUpMs: turnTimeoutMs };
  const router = new ActivityRouter(
    {
      [Verb.ListAppointments]: listAppointments(bookings, choices, listSettings),
      [Verb.RefreshBusinesses]: listAppointments(bookings, choices, listSettings, { rescan: true }),
      [Verb.PromptCancel]: promptCancel(bookings, grants),
      [Verb.ConfirmCancel]: confirmCancel(bookings, cancellations, grants),
      [Verb.ShowDetails]: showDetails(bookings),
      ...dayCancel,
    },
    {
      signIn: { provider: signIn, pending: new PendingActions(storage), consentLinks, forgetUser: (user) => directory.forget(user) },
      help: help(config.windowDays),
      welcome,
      sink,
      logger,
      clock,
      botAppId: config.mode.kind === 'production' ? config.mode.appId : '',
      telemetry,
    },
    turnTimeoutMs,
  );
  const gate = new InboundGate(
    createAdapter(config.mode, sink, production),
    (context) => router.run(context),
    logger,
    (error, what) => sink.noted(undefined, error, what),
    config.mode.kind === 'production' ? { appId: config.mode.appId, emulatorTenantId: config.mode.allowEmulator ? config.mode.tenantId : undefined } : undefined,
  );
  const server = await startServer({
    port: config.port,
    host: config.host,
    onMessage: (request) => gate.handle(request),
    health: () => ({
      mode: config.mode.kind,
      storage: config.storage.kind,
      memory: memoryMiB(),
      stateItems: state.items?.(),
      graphTokensCached: obo?.cachedTokens,
      auditBacklog: audit.backlog,
    }),
  }).catch(async (error: unknown) => {
    await localGraph?.stop();
    return inUse('PORT', config.port)(error);
  });
  logger.info({ url: `${server.url}/api/messages` }, 'Bookings Bot listening');

  return {
    url: server.url,
    config,
    localGraph,
    async stop() {
      await server.close();
      // What is still buffered goes out; an export refused now is logged, and the stop goes on.
      await telemetry.shutdown().catch((error: unknown) => sink.noted(undefined, error, 'telemetry flush at shutdown'));
      await audit.close();
      state.close();
      obo?.close();
      await localGraph?.stop();
      logger.info('Bookings Bot stopped');
    },
  };
}

/** A port another process holds, said by the setting that chose it rather than as a stack trace. */
function inUse(setting: string, port: number): (error: unknown) => never {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError(`Invalid configuration:\n  ${setting}: port ${port} is in use by another process; stop it, or set ${setting} to a free port`);
    }
    throw error;
  };
}

/**
 * The root of the keys the bot's instances share (Graph-token cache encryption, cancel grants): the bot's own secret
 * or certificate key, which every instance has. A managed identity has no secret: then a random root, created once in
 * the shared storage and read by every instance, or this process's own when state is in its memory (one instance).
 */
function keyRootOf(mode: ProductionModeConfig, storage: BotStorage['storage'], shared: boolean): Promise<string> {
  switch (mode.credential.kind) {
    case 'secret':
      return Promise.resolve(mode.credential.secret);
    case 'certificate':
      return Promise.resolve(mode.credential.privateKey);
    case 'managedIdentity':
      return shared ? new SharedKeyRoot(storage).load() : Promise.resolve(processKeyRoot());
  }
}

/** Resident and JS-heap memory, for /healthz: what operators (and the benchmark) watch. */
function memoryMiB(): { rss: number; heapUsed: number } {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: Math.round(rss / 1048576), heapUsed: Math.round(heapUsed / 1048576) };
}

async function main(): Promise<void> {
  const { config: loadDotenv } = await import('dotenv');
  const { parsed } = loadDotenv({ quiet: true });
  let running: RunningBot;
  try {
    running = await start(process.env, { envFileNames: Object.keys(parsed ?? {}) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee docs/configuration.md and .env.sample.\n`);
      process.exit(1);
    }
    throw error;
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing turns in flight, then stopping\n`);
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${(error as Error).name}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

