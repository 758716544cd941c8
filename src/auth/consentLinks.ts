import type { ProductionModeConfig } from '../config/config.js';

/** Where a user grants the bot's Graph permissions for themselves, and where an administrator grants them for everyone. */
export interface ConsentLinks {
  user: string;
  admin: string;
}

/**
 * The OAuth connection's sign-in asks Entra only for the connection's scopes, so it never grants the Graph permissions
 * that on-behalf-of needs. These links do: an authorization request for the bot's app with those scopes (Entra
 * records the consent; the code is never redeemed), and the v2 admin-consent endpoint. Both return to the native-client
 * page, which must be a redirect URI of the app ("Mobile and desktop applications"; docs/sign-in.md, step 4).
 */
export function consentLinksFor(mode: ProductionModeConfig): ConsentLinks {
  const authority = `${mode.authorityHost}/${mode.tenantId ?? 'organizations'}`;
  const redirect = `${mode.authorityHost}/common/oauth2/nativeclient`;
  const user = new URLSearchParams({ client_id: mode.appId, response_type: 'code', redirect_uri: redirect, response_mode: 'query', scope: mode.graphScopes.join(' '), prompt: 'consent' });
  const admin = new URLSearchParams({ client_id: mode.appId, redirect_uri: redirect, scope: 'https://graph.microsoft.com/.default' });
  return { user: `${authority}/oauth2/v2.0/authorize?${user.toString()}`, admin: `${authority}/v2.0/adminconsent?${admin.toString()}` };
}
