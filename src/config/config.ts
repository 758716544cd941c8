import { z } from 'zod';

/** Environment variables, as documented in README.md and .env.sample. Empty strings count as unset. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = z.preprocess(blankToUndefined, z.string().trim().optional());
const int = (fallback: number, min: number, max: number) => z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const url = z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).optional());

const envSchema = z.object({
  PORT: int(3978, 0, 65535),
  HOST: optionalText,
  LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppTenantId: optionalText,
  MicrosoftAppType: z.preprocess(blankToUndefined, z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).default('SingleTenant')),
  GRAPH_BASE_URL: url,
  GRAPH_API_VERSION: z.preprocess(blankToUndefined, z.enum(['v1.0', 'beta']).default('v1.0')),
  GRAPH_BOOKINGS_PATH: z.preprocess(blankToUndefined, z.enum(['/solutions/bookingBusinesses', '/bookingBusinesses']).default('/solutions/bookingBusinesses')),
  GRAPH_TIMEOUT_MS: int(10_000, 100, 60_000),
  GRAPH_MAX_RETRIES: int(3, 0, 10),
  GRAPH_MAX_RETRY_WAIT_SECONDS: int(5, 0, 180),
  APPOINTMENT_WINDOW_DAYS: int(14, 1, 90),
  LIST_PAGE_SIZE: int(5, 1, 20),
  LOCAL_USER: z.preprocess(blankToUndefined, z.email().optional()),
  LOCAL_GRAPH_PORT: int(3979, 0, 65535),
  LOCAL_GRAPH_PAGE_SIZE: int(4, 1, 100),
});

export type Env = z.infer<typeof envSchema>;

/** Every variable the bot reads (README and .env.sample document each one; a test keeps them in step). */
export const ENV_VARIABLES = Object.keys(envSchema.shape);

export interface GraphConfig {
  /** Ends with '/'. Undefined in local mode = the embedded local Graph service. */
  baseUrl?: string;
  version: 'v1.0' | 'beta';
  bookingsRoot: '/solutions/bookingBusinesses' | '/bookingBusinesses';
  timeoutMs: number;
  maxRetries: number;
  maxRetryWaitSeconds: number;
}

export interface LocalModeConfig {
  kind: 'local';
  /** Directory user everyone signs in as. Undefined = the seed's default user. */
  user?: string;
  graphPort: number;
  graphPageSize: number;
}

export interface ProductionModeConfig {
  kind: 'production';
  appId: string;
  appPassword: string;
  tenantId?: string;
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
}

export interface Config {
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  mode: LocalModeConfig | ProductionModeConfig;
  graph: GraphConfig;
  windowDays: number;
  pageSize: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses and checks the environment once; the message names every variable that is wrong. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const env = parsed.data;
  if (env.GRAPH_BOOKINGS_PATH === '/bookingBusinesses' && env.GRAPH_API_VERSION !== 'beta') {
    throw new ConfigError('Invalid configuration:\n  GRAPH_BOOKINGS_PATH: /bookingBusinesses exists only on the beta endpoint; set GRAPH_API_VERSION=beta');
  }
  const local = env.MicrosoftAppId === undefined;
  return {
    port: env.PORT,
    // Local mode serves only this machine; production must be reachable by Azure Bot Service.
    host: env.HOST ?? (local ? '127.0.0.1' : '0.0.0.0'),
    logLevel: env.LOG_LEVEL,
    mode: local ? localMode(env) : productionMode(env),
    graph: {
      baseUrl: withSlash(env.GRAPH_BASE_URL ?? (local ? undefined : 'https://graph.microsoft.com/')),
      version: env.GRAPH_API_VERSION,
      bookingsRoot: env.GRAPH_BOOKINGS_PATH,
      timeoutMs: env.GRAPH_TIMEOUT_MS,
      maxRetries: env.GRAPH_MAX_RETRIES,
      maxRetryWaitSeconds: env.GRAPH_MAX_RETRY_WAIT_SECONDS,
    },
    windowDays: env.APPOINTMENT_WINDOW_DAYS,
    pageSize: env.LIST_PAGE_SIZE,
  };
}

function localMode(env: Env): LocalModeConfig {
  return { kind: 'local', user: env.LOCAL_USER, graphPort: env.LOCAL_GRAPH_PORT, graphPageSize: env.LOCAL_GRAPH_PAGE_SIZE };
}

function productionMode(env: Env): ProductionModeConfig {
  const missing: string[] = [];
  if (env.MicrosoftAppType !== 'UserAssignedMSI' && !env.MicrosoftAppPassword) missing.push('MicrosoftAppPassword: required when MicrosoftAppId is set');
  if (env.MicrosoftAppType !== 'MultiTenant' && !env.MicrosoftAppTenantId) missing.push(`MicrosoftAppTenantId: required for MicrosoftAppType=${env.MicrosoftAppType}`);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(env.MicrosoftAppId!)) missing.push('MicrosoftAppId: must be the bot\'s Entra application (client) id, a GUID');
  if (missing.length > 0) throw new ConfigError(`Invalid configuration:\n  ${missing.join('\n  ')}`);
  return {
    kind: 'production',
    appId: env.MicrosoftAppId!,
    appPassword: env.MicrosoftAppPassword ?? '',
    tenantId: env.MicrosoftAppTenantId,
    appType: env.MicrosoftAppType,
  };
}

function withSlash(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.endsWith('/') ? value : `${value}/`;
}
