import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseAuthenticationString, parseConnectionString } from './appInsights.js';

/** Environment variables, as documented in README.md and .env.sample. Empty strings count as unset. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = z.preprocess(blankToUndefined, z.string().trim().optional());
const int = (fallback: number, min: number, max: number) => z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const url = z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).optional());

/** The delegated Graph permissions the bot asks for (GRAPH_SCOPES' default); aad.manifest.json requests them. */
export const DEFAULT_GRAPH_SCOPES = 'BookingsAppointment.ReadWrite.All Bookings.Read.All User.Read';

const envSchema = z.object({
  PORT: int(3978, 0, 65535),
  HOST: optionalText,
  LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppTenantId: optionalText,
  MicrosoftAppType: z.preprocess(blankToUndefined, z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).default('SingleTenant')),
  MicrosoftAppCertificateThumbprint: z.preprocess(blankToUndefined, z.string().regex(/^[0-9a-f]{64}$/i, 'must be the certificate\'s SHA-256 thumbprint (64 hex digits)').optional()),
  MicrosoftAppCertificateKeyFile: optionalText,
  MANAGED_IDENTITY_CLIENT_ID: optionalText,
  OAUTH_CONNECTION_NAME: optionalText,
  ALLOW_EMULATOR_TOKENS: z.preprocess(blankToUndefined, z.enum(['true', 'false']).default('false')),
  GRAPH_SCOPES: z.preprocess(blankToUndefined, z.string().default(DEFAULT_GRAPH_SCOPES)),
  ENTRA_AUTHORITY_HOST: z.preprocess(blankToUndefined, z.url({ protocol: /^https$/ }).default('https://login.microsoftonline.com')),
  BOT_TOKEN_SERVICE_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).default('https://api.botframework.com')),
  BOT_OPENID_METADATA_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).default('https://login.botframework.com/v1/.well-known/openidconfiguration')),
  GRAPH_BASE_URL: url,
  GRAPH_API_VERSION: z.preprocess(blankToUndefined, z.enum(['v1.0', 'beta']).default('v1.0')),
  GRAPH_BOOKINGS_PATH: z.preprocess(blankToUndefined, z.enum(['/solutions/bookingBusinesses', '/bookingBusinesses']).default('/solutions/bookingBusinesses')),
  GRAPH_TIMEOUT_MS: int(8_000, 100, 60_000),
  TURN_TIMEOUT_MS: int(12_000, 1_000, 14_000),
  GRAPH_MAX_RETRIES: int(3, 0, 10),
  GRAPH_MAX_RETRY_WAIT_SECONDS: int(5, 0, 180),
  APPOINTMENT_WINDOW_DAYS: int(14, 1, 90),
  LIST_PAGE_SIZE: int(5, 1, 20),
  MEMBERSHIP_CACHE_SECONDS: int(28_800, 0, 604_800),
  STORAGE_CONNECTION_STRING: optionalText,
  STORAGE_ACCOUNT_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https$/, error: 'must be the storage account\'s https Blob endpoint, e.g. https://contoso.blob.core.windows.net' }).optional()),
  STORAGE_CONTAINER: z.preprocess(blankToUndefined, z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid blob container name (3-63 lowercase letters, digits and single hyphens)').default('bookings-bot')),
  AUDIT_MESSAGES: z.preprocess(blankToUndefined, z.enum(['true', 'false']).default('false')),
  AUDIT_DIR: z.preprocess(blankToUndefined, z.string().default('.data/audit')),
  LOCAL_USER: z.preprocess(blankToUndefined, z.email().optional()),
  LOCAL_GRAPH_PORT: int(3979, 0, 65535),
  LOCAL_GRAPH_PAGE_SIZE: int(4, 1, 100),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalText,
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: optionalText,
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
  /** Budget for all Graph calls of one turn, so a click is answered within Teams' invoke limit (15 s). */
  turnTimeoutMs: number;
}

/**
 * How the bot reaches a Blob storage account: with the account key inside a connection string, or by its endpoint
 * alone, signing in with an Entra ID token (DefaultAzureCredential: the host's managed identity; no key anywhere).
 */
export type BlobAccount = { connectionString: string } | { accountUrl: string };

/**
 * Where state kept between turns lives: in this process (one instance), or in an Azure Blob container every
 * instance shares. The audit trail goes to the same container, or to files when there is none.
 */
export type StorageConfig = { kind: 'memory'; auditDir: string } | ({ kind: 'blob'; container: string } & BlobAccount);

export interface LocalModeConfig {
  kind: 'local';
  /** Directory user everyone signs in as. Undefined = the seed's default user. */
  user?: string;
  graphPort: number;
  graphPageSize: number;
}

/**
 * How the bot's app proves itself to Entra ID: a client secret, a certificate (thumbprint + private key), or a
 * federated identity credential: a token of the host's user-assigned managed identity (its client id here), which
 * the app registration trusts. The last has no secret anywhere, so nothing for a person to rotate.
 */
export type AppCredential =
  | { kind: 'secret'; secret: string }
  | { kind: 'certificate'; thumbprintSha256: string; privateKey: string }
  | { kind: 'managedIdentity'; clientId: string };

export interface ProductionModeConfig {
  kind: 'production';
  appId: string;
  credential: AppCredential;
  /** Undefined only for MultiTenant, where each user's own tenant is used. */
  tenantId?: string;
  appType: 'SingleTenant' | 'MultiTenant';
  /** The Azure Bot resource's OAuth connection (Token Service: Teams SSO exchange, sign-in card, magic code). */
  connectionName: string;
  /** Delegated Graph scopes asked for on behalf of the user, as full URIs. */
  graphScopes: string[];
  /** Entra ID sign-in host, e.g. https://login.microsoftonline.com (no trailing slash). */
  authorityHost: string;
  /** Bot Framework Token Service (botbuilder's OAuthUrl). */
  tokenServiceUrl: string;
  /** OpenID metadata of the keys that sign Bot Framework channel tokens. */
  openIdMetadataUrl: string;
  /** Also admit the Bot Framework Emulator's tokens of the bot's own tenant (ALLOW_EMULATOR_TOKENS); off by default. */
  allowEmulator: boolean;
}

/** Where traces and metrics go (Application Insights), validated; absent: telemetry is off. */
export interface TelemetryConfig {
  /** Normalized for the exporter (see config/appInsights.ts). */
  connectionString: string;
  ingestionEndpoint: string;
  /** Entra ID (keyless) ingestion as this managed identity: its client id, or 'system' for a system-assigned one. */
  entraClientId?: string;
}

export interface Config {
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  mode: LocalModeConfig | ProductionModeConfig;
  graph: GraphConfig;
  windowDays: number;
  pageSize: number;
  /** How long who a user is and where they are staff (with which role) is remembered; 0 reads Graph every turn. */
  membershipCacheSeconds: number;
  storage: StorageConfig;
  /** Whether the audit trail keeps the text of each cancellation message (off by default: it is customer-facing text). */
  auditMessages: boolean;
  /** Traces and metrics to Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING); off when absent. */
  telemetry?: TelemetryConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Settings that mean something only in production mode: set without MicrosoftAppId, they would be ignored. */
const PRODUCTION_ONLY = ['MicrosoftAppPassword', 'MicrosoftAppTenantId', 'MicrosoftAppCertificateThumbprint', 'MicrosoftAppCertificateKeyFile', 'MANAGED_IDENTITY_CLIENT_ID', 'OAUTH_CONNECTION_NAME'] as const;

/** A name as a person might misspell it: case and underscores aside (MICROSOFT_APP_ID, MicrosoftAppID, LIST_PAGESIZE). */
const looseName = (name: string) => name.toLowerCase().replace(/_/g, '');
const KNOWN_BY_LOOSE_NAME = new Map(ENV_VARIABLES.map((name) => [looseName(name), name]));

/** Variables set under a near-miss of a known name: each would be silently ignored. */
function misspelt(source: Record<string, string | undefined>): string[] {
  return Object.keys(source)
    .filter((name) => source[name] !== undefined && !ENV_VARIABLES.includes(name))
    .flatMap((name) => {
      const meant = KNOWN_BY_LOOSE_NAME.get(looseName(name));
      return meant ? [`${name}: not a setting; did you mean ${meant}? (names are case-sensitive)`] : [];
    });
}

/**
 * Variables the telemetry libraries read themselves (docs/configuration.md, "Telemetry"): not the bot's, not ignored.
 * A list, not a prefix: a misspelt one is reported like any other unknown name.
 */
const READ_BY_TELEMETRY = new Set([
  'APPLICATION_INSIGHTS_NO_STATSBEAT',
  'OTEL_SERVICE_NAME',
  'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'APPLICATIONINSIGHTS_INSTRUMENTATION_LOGGING_LEVEL',
]);

/**
 * The distro's JSON configuration overrides the code's options: it could turn automatic HTTP instrumentation back on,
 * which exports whole Graph URLs (mailboxes, appointment ids). Refused at start.
 */
const TELEMETRY_OVERRIDES = ['APPLICATIONINSIGHTS_CONFIGURATION_CONTENT', 'APPLICATIONINSIGHTS_CONFIGURATION_FILE'];

/** Names in `names` (a .env file's) that are no setting of the bot: reported, since each is ignored. */
export function unknownSettings(names: readonly string[]): string[] {
  return names.filter((name) => !ENV_VARIABLES.includes(name) && !READ_BY_TELEMETRY.has(name) && !TELEMETRY_OVERRIDES.includes(name));
}

/** Parses and checks the environment once; the message names every variable that is wrong. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const nearMisses = misspelt(source);
  if (nearMisses.length > 0) throw new ConfigError(`Invalid configuration:\n  ${nearMisses.join('\n  ')}`);
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const env = parsed.data;
  if (env.STORAGE_CONNECTION_STRING && env.STORAGE_ACCOUNT_URL) {
    throw new ConfigError('Invalid configuration:\n  STORAGE_CONNECTION_STRING and STORAGE_ACCOUNT_URL: set one of them, not both (the connection string signs in with the account key, the URL with the host\'s managed identity)');
  }
  if (env.GRAPH_BOOKINGS_PATH === '/bookingBusinesses' && env.GRAPH_API_VERSION !== 'beta') {
    throw new ConfigError('Invalid configuration:\n  GRAPH_BOOKINGS_PATH: /bookingBusinesses exists only on the beta endpoint; set GRAPH_API_VERSION=beta');
  }
  const local = env.MicrosoftAppId === undefined;
  const strayed = PRODUCTION_ONLY.filter((name) => env[name] !== undefined);
  if (local && strayed.length > 0) {
    // Without the app id the bot would start in local mode: no authentication, demo data, and not a word about it.
    throw new ConfigError(`Invalid configuration:\n  MicrosoftAppId: required with ${strayed.join(', ')} (production mode); without it the bot would run in local mode, unauthenticated, on demo data`);
  }
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
      turnTimeoutMs: env.TURN_TIMEOUT_MS,
    },
    windowDays: env.APPOINTMENT_WINDOW_DAYS,
    pageSize: env.LIST_PAGE_SIZE,
    membershipCacheSeconds: env.MEMBERSHIP_CACHE_SECONDS,
    storage: storageOf(env),
    auditMessages: env.AUDIT_MESSAGES === 'true',
    telemetry: telemetryOf(env, source),
  };
}

/** Telemetry's settings, checked (a bad string stops the bot at start, naming the setting); none: telemetry off. */
function telemetryOf(env: Env, source: Record<string, string | undefined>): TelemetryConfig | undefined {
  const overrides = TELEMETRY_OVERRIDES.filter((name) => source[name] !== undefined && source[name] !== '');
  if (overrides.length > 0) throw new ConfigError(`Invalid configuration:\n${overrides.map((name) => `  ${name}: not allowed: it overrides the bot's telemetry options (whole URLs could be exported); remove it`).join('\n')}`);
  const raw = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (raw === undefined) {
    if (env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING !== undefined) throw new ConfigError('Invalid configuration:\n  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: set it only with APPLICATIONINSIGHTS_CONNECTION_STRING (it says how to sign in to that resource)');
    return undefined;
  }
  const parsed = parseConnectionString(raw);
  if ('problem' in parsed) throw new ConfigError(`Invalid configuration:\n  ${parsed.problem}`);
  if (env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING === undefined) return parsed;
  const auth = parseAuthenticationString(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
  if ('problem' in auth) throw new ConfigError(`Invalid configuration:\n  ${auth.problem}`);
  return { ...parsed, entraClientId: auth.clientId ?? env.MANAGED_IDENTITY_CLIENT_ID ?? 'system' };
}

function storageOf(env: Env): StorageConfig {
  if (env.STORAGE_CONNECTION_STRING) return { kind: 'blob', connectionString: env.STORAGE_CONNECTION_STRING, container: env.STORAGE_CONTAINER };
  if (env.STORAGE_ACCOUNT_URL) return { kind: 'blob', accountUrl: env.STORAGE_ACCOUNT_URL.replace(/\/+$/, ''), container: env.STORAGE_CONTAINER };
  return { kind: 'memory', auditDir: env.AUDIT_DIR };
}

function localMode(env: Env): LocalModeConfig {
  return { kind: 'local', user: env.LOCAL_USER, graphPort: env.LOCAL_GRAPH_PORT, graphPageSize: env.LOCAL_GRAPH_PAGE_SIZE };
}

function productionMode(env: Env): ProductionModeConfig {
  const problems: string[] = [];
  const certificate = env.MicrosoftAppCertificateThumbprint !== undefined || env.MicrosoftAppCertificateKeyFile !== undefined;
  const managedIdentity = env.MANAGED_IDENTITY_CLIENT_ID !== undefined;
  if (env.MicrosoftAppType === 'UserAssignedMSI') {
    problems.push('MicrosoftAppType: UserAssignedMSI cannot sign in on behalf of users (the OBO flow needs a client credential); use SingleTenant, with MANAGED_IDENTITY_CLIENT_ID for a managed identity');
  } else if (managedIdentity) {
    problems.push(...managedIdentityProblems(env, certificate));
  } else if (!env.MicrosoftAppPassword && !certificate) {
    problems.push('MicrosoftAppPassword: required when MicrosoftAppId is set (or MicrosoftAppCertificateThumbprint with MicrosoftAppCertificateKeyFile, or MANAGED_IDENTITY_CLIENT_ID)');
  } else if (certificate && (!env.MicrosoftAppCertificateThumbprint || !env.MicrosoftAppCertificateKeyFile)) {
    problems.push('MicrosoftAppCertificateThumbprint and MicrosoftAppCertificateKeyFile: set both to sign in with a certificate');
  }
  if (env.MicrosoftAppType === 'SingleTenant' && !env.MicrosoftAppTenantId) problems.push('MicrosoftAppTenantId: required for MicrosoftAppType=SingleTenant');
  if (env.MicrosoftAppTenantId && !isGuid(env.MicrosoftAppTenantId) && !isDomainName(env.MicrosoftAppTenantId)) {
    problems.push('MicrosoftAppTenantId: must be the tenant id (a GUID) or its domain name (e.g. contoso.onmicrosoft.com)');
  }
  const allowEmulator = env.ALLOW_EMULATOR_TOKENS === 'true';
  if (allowEmulator && !isGuid(env.MicrosoftAppTenantId ?? '')) problems.push('ALLOW_EMULATOR_TOKENS: needs MicrosoftAppTenantId as a GUID (the Emulator\'s tokens name the tenant by id)');
  if (!isGuid(env.MicrosoftAppId!)) problems.push("MicrosoftAppId: must be the bot's Entra application (client) id, a GUID");
  if (!env.OAUTH_CONNECTION_NAME) problems.push("OAUTH_CONNECTION_NAME: required when MicrosoftAppId is set (the name of the Azure Bot resource's OAuth connection)");
  const graphScopes = graphScopesOf(env.GRAPH_SCOPES);
  if (graphScopes.length === 0) problems.push('GRAPH_SCOPES: name at least one delegated Graph permission, e.g. BookingsAppointment.ReadWrite.All');
  else if (!graphScopes.some((s) => USER_SCOPES.has(s.slice(GRAPH_RESOURCE.length)))) {
    problems.push('GRAPH_SCOPES: add User.Read: the bot reads the signed-in user (GET /me) to find their staff records, and Bookings permissions do not allow that');
  }
  const privateKey = certificate && problems.length === 0 ? readKeyFile(env.MicrosoftAppCertificateKeyFile!, problems) : '';
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return {
    kind: 'production',
    appId: env.MicrosoftAppId!,
    credential: managedIdentity
      ? { kind: 'managedIdentity', clientId: env.MANAGED_IDENTITY_CLIENT_ID! }
      : certificate
        ? { kind: 'certificate', thumbprintSha256: env.MicrosoftAppCertificateThumbprint!, privateKey }
        : { kind: 'secret', secret: env.MicrosoftAppPassword! },
    tenantId: env.MicrosoftAppTenantId,
    appType: env.MicrosoftAppType as ProductionModeConfig['appType'],
    connectionName: env.OAUTH_CONNECTION_NAME!,
    graphScopes,
    authorityHost: env.ENTRA_AUTHORITY_HOST.replace(/\/+$/, ''),
    tokenServiceUrl: env.BOT_TOKEN_SERVICE_URL.replace(/\/+$/, ''),
    openIdMetadataUrl: env.BOT_OPENID_METADATA_URL,
    allowEmulator,
  };
}

/**
 * A federated credential from a managed identity is the app's only credential, and only in the app's own tenant:
 * the identity's token is issued there, and the app's federated identity credential trusts that tenant's issuer.
 */
function managedIdentityProblems(env: Env, certificate: boolean): string[] {
  const problems: string[] = [];
  if (env.MicrosoftAppPassword) problems.push('MANAGED_IDENTITY_CLIENT_ID and MicrosoftAppPassword: set one of them, not both (the managed identity replaces the client secret)');
  if (certificate) problems.push('MANAGED_IDENTITY_CLIENT_ID and MicrosoftAppCertificateThumbprint/MicrosoftAppCertificateKeyFile: set one of them, not both (the managed identity replaces the certificate)');
  if (!isGuid(env.MANAGED_IDENTITY_CLIENT_ID!)) problems.push("MANAGED_IDENTITY_CLIENT_ID: must be the user-assigned managed identity's client id, a GUID");
  if (env.MicrosoftAppType !== 'SingleTenant' || !env.MicrosoftAppTenantId) {
    problems.push('MANAGED_IDENTITY_CLIENT_ID: needs MicrosoftAppType=SingleTenant and MicrosoftAppTenantId (a federated identity credential is trusted only in the app\'s own tenant)');
  }
  return problems;
}

const GRAPH_RESOURCE = 'https://graph.microsoft.com/';
/** Permissions that allow GET /me (Graph's user-get permissions table), User.Read the least. */
export const USER_SCOPES = new Set(['User.Read', 'User.ReadWrite', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']);

/** "BookingsAppointment.ReadWrite.All User.Read" (spaces or commas) → full Graph scope URIs. */
export function graphScopesOf(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => (/^[a-z]+:\/\//i.test(s) ? s : `${GRAPH_RESOURCE}${s}`));
}

function readKeyFile(path: string, problems: string[]): string {
  try {
    const pem = readFileSync(path, 'utf8');
    if (pem.includes('PRIVATE KEY-----')) return pem;
    problems.push(`MicrosoftAppCertificateKeyFile: ${path} holds no PEM private key`);
  } catch {
    problems.push(`MicrosoftAppCertificateKeyFile: cannot read ${path}`);
  }
  return '';
}

function isGuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** A DNS name of two or more labels (RFC 1123), as a tenant's verified domain is. */
function isDomainName(value: string): boolean {
  return value.length <= 253 && /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(value);
}

function withSlash(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.endsWith('/') ? value : `${value}/`;
}
