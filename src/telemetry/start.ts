import type { TelemetryConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { NO_TELEMETRY, type Telemetry } from './telemetry.js';

/**
 * Telemetry as configured: off (NO_TELEMETRY, and nothing of OpenTelemetry or the distro is even loaded) without
 * APPLICATIONINSIGHTS_CONNECTION_STRING; otherwise the Azure Monitor OpenTelemetry distro, loaded here by a dynamic
 * import and set up for this bot (docs/telemetry-plan.md):
 * - no automatic instrumentation: every span is one the bot makes, with templated names and vetted attributes
 *   (http's would carry whole URLs: appointment ids, $filter values);
 * - every span kept (tracesPerSecond 0, samplingRatio 1), no Live Metrics, no standard metrics (a span processor
 *   per span: the queries read requests and dependencies instead), performance counters on (each instance's CPU and
 *   memory every 60 s);
 * - AsyncLocalStorage off (context.disable()): on Node 20 its promise hook alone costs more than the whole of this;
 *   parents are passed explicitly;
 * - the distro's own diagnostics into the bot's JSON log, at warn;
 * - Entra ID ingestion (keyless) with the managed identity, when APPLICATIONINSIGHTS_AUTHENTICATION_STRING says so.
 */
export async function startTelemetry(config: TelemetryConfig | undefined, logger: Logger): Promise<Telemetry> {
  if (!config) return NO_TELEMETRY;
  const [{ useAzureMonitor, shutdownAzureMonitor }, api, { createTelemetry }, { pinoDiagLogger }] = await Promise.all([
    import('@azure/monitor-opentelemetry'),
    import('@opentelemetry/api'),
    import('./otelTelemetry.js'),
    import('./diagLogger.js'),
  ]);
  const credential = config.entraClientId !== undefined ? new (await import('@azure/identity')).ManagedIdentityCredential(config.entraClientId === 'system' ? undefined : { clientId: config.entraClientId }) : undefined;
  // cloud_RoleName outside App Service (there the distro takes WEBSITE_SITE_NAME); an operator's own setting wins.
  process.env.OTEL_SERVICE_NAME ??= 'bookings-bot';
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: config.connectionString, credential },
    tracesPerSecond: 0,
    samplingRatio: 1,
    enableLiveMetrics: false,
    enableStandardMetrics: false,
    enablePerformanceCounters: true,
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
    },
  });
  api.context.disable();
  api.diag.setLogger(pinoDiagLogger(logger), api.DiagLogLevel.WARN);
  logger.info({ ingestion: config.ingestionEndpoint, auth: credential ? 'entra' : 'instrumentationKey' }, 'Telemetry on: traces and metrics go to Application Insights');
  return createTelemetry({
    tracer: api.trace.getTracer('bookings-bot'),
    meter: api.metrics.getMeter('bookings-bot'),
    shutdown: () => shutdownAzureMonitor(),
  });
}
