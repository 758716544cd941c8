import { createMsalClient } from '../../src/auth/msalClient.js';
import { OboTokenProvider, type OboOptions } from '../../src/auth/oboTokenProvider.js';
import { loadConfig, type ProductionModeConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { BOT_APP_ID, BOT_SECRET, type LocalEntra, TENANT_ID } from './standins/entra.js';

/** The production on-behalf-of provider, with a real MSAL client, against the local Entra ID stand-in. */
export function oboProviderAgainst(entra: LocalEntra, options: Partial<OboOptions> = {}): { obo: OboTokenProvider; msal: ReturnType<typeof createMsalClient> } {
  const mode = loadConfig({
    MicrosoftAppId: BOT_APP_ID,
    MicrosoftAppPassword: BOT_SECRET,
    MicrosoftAppTenantId: TENANT_ID,
    OAUTH_CONNECTION_NAME: 'bookings-sso',
    ENTRA_AUTHORITY_HOST: entra.authorityHost,
  }).mode as ProductionModeConfig;
  const msal = createMsalClient(mode, createLogger('silent'));
  return { msal, obo: new OboTokenProvider(msal, { scopes: mode.graphScopes, authorityHost: mode.authorityHost, tenantId: TENANT_ID, ...options }) };
}
