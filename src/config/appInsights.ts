/*
 * APPLICATIONINSIGHTS_CONNECTION_STRING and APPLICATIONINSIGHTS_AUTHENTICATION_STRING, checked here rather than left
 * to the exporter: it refuses only a missing or malformed instrumentation key, and takes silently a string that
 * sends telemetry elsewhere (no IngestionEndpoint, or a value holding '=': the global endpoint; http: made https;
 * docs/telemetry-plan.md, "Connection strings"). Messages never quote the string: without DisableLocalAuth on the
 * resource it is a secret.
 */

const SETTING = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
const AUTH_SETTING = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';

/** The parts a connection string may have (the portal's, and the sovereign clouds' AADAudience), by their lower-case name. */
const CANONICAL: Readonly<Record<string, string>> = {
  instrumentationkey: 'InstrumentationKey',
  ingestionendpoint: 'IngestionEndpoint',
  liveendpoint: 'LiveEndpoint',
  applicationid: 'ApplicationId',
  aadaudience: 'AADAudience',
  endpointsuffix: 'EndpointSuffix',
  location: 'Location',
  authorization: 'Authorization',
};

const LOWER_CASE_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ConnectionString {
  /** Normalized for the exporter: canonical part names, no spaces, no trailing ';'. */
  connectionString: string;
  ingestionEndpoint: string;
}

/** `Key=Value` pairs separated by ';' (a trailing ';' tolerated), keys as in CANONICAL (any case). */
function pairsOf(raw: string, setting: string, known: Readonly<Record<string, string>>): { pairs: Map<string, string> } | { problem: string } {
  const pairs = new Map<string, string>();
  for (const part of raw.trim().replace(/;\s*$/, '').split(';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (eq <= 0 || part.indexOf('=', eq + 1) >= 0) return { problem: `${setting}: each part must be Key=Value, separated by ';' (a part${name ? ` beginning "${name.slice(0, 20)}"` : ''} is not)` };
    const key = name.toLowerCase();
    if (!(key in known)) return { problem: `${setting}: "${name.slice(0, 40)}" is not a part of it (known: ${Object.values(known).join(', ')})` };
    if (pairs.has(key)) return { problem: `${setting}: ${known[key]} is given twice` };
    pairs.set(key, part.slice(eq + 1).trim());
  }
  return { pairs };
}

/** The connection string as the exporter gets it, or what is wrong with it (naming the setting, never quoting it). */
export function parseConnectionString(raw: string): ConnectionString | { problem: string } {
  const parsed = pairsOf(raw, SETTING, CANONICAL);
  if ('problem' in parsed) return parsed;
  const { pairs } = parsed;
  const key = pairs.get('instrumentationkey');
  if (!key || !LOWER_CASE_GUID.test(key)) return { problem: `${SETTING}: InstrumentationKey must be the resource's GUID in lower case, as the portal shows it` };
  const endpoint = pairs.get('ingestionendpoint');
  if (!endpoint || !URL.canParse(endpoint) || new URL(endpoint).protocol !== 'https:') {
    return { problem: `${SETTING}: IngestionEndpoint must be the https URL the portal shows (https://<region>.in.applicationinsights.azure.com/); without it telemetry would go to the global endpoint` };
  }
  const live = pairs.get('liveendpoint');
  if (live !== undefined && (!URL.canParse(live) || new URL(live).protocol !== 'https:')) return { problem: `${SETTING}: LiveEndpoint must be an https URL` };
  return { connectionString: [...pairs].map(([k, v]) => `${CANONICAL[k]}=${v}`).join(';'), ingestionEndpoint: endpoint };
}

/**
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING (App Service's name for it): `Authorization=AAD` and optionally
 * `ClientId=<the user-assigned managed identity's client id>`. The client id, or undefined when none is given.
 */
export function parseAuthenticationString(raw: string): { clientId?: string } | { problem: string } {
  const parsed = pairsOf(raw, AUTH_SETTING, { authorization: 'Authorization', clientid: 'ClientId' });
  if ('problem' in parsed) return parsed;
  if (parsed.pairs.get('authorization')?.toUpperCase() !== 'AAD') return { problem: `${AUTH_SETTING}: must say Authorization=AAD (Microsoft Entra ID ingestion), optionally with ;ClientId=<managed identity client id>` };
  const clientId = parsed.pairs.get('clientid');
  if (clientId !== undefined && !GUID.test(clientId)) return { problem: `${AUTH_SETTING}: ClientId must be the managed identity's client id, a GUID` };
  return { clientId };
}
