import type { ConfidentialClientApplication } from '@azure/msal-node';
import { ConfigurationBotFrameworkAuthentication, type Storage, TeamsSSOTokenExchangeMiddleware, type TurnContext } from 'botbuilder';
import { AuthenticationConstants, MsalServiceClientCredentialsFactory } from 'botframework-connector';
import type { Config, ProductionModeConfig } from '../config/config.js';
import type { FailureSink } from './failures.js';
import { InboundAdapter } from './inbound/gate.js';

export interface ProductionAdapterParts {
  /** The process's one MSAL client: it also gets the bot's own tokens for the Bot Connector and Token Service. */
  msal: ConfidentialClientApplication;
  /** Where duplicate Teams token exchanges are recognised (shared by all instances once storage is shared). */
  storage: Storage;
}

/**
 * The Bot Framework adapter. Without an app id (local mode) it accepts unauthenticated activities, as the
 * Emulator and the Agents Playground send them; with one, every activity's JWT is validated (a request without
 * a valid token is answered 401) and Teams SSO token exchanges are handled once, however many Teams clients send them.
 */
export function createAdapter(mode: Config['mode'], sink: FailureSink, production?: ProductionAdapterParts): InboundAdapter {
  const adapter = mode.kind === 'local' || !production ? new InboundAdapter(new ConfigurationBotFrameworkAuthentication({})) : productionAdapter(mode, production);
  // Failures the bot's routes did not answer (e.g. storage lost while a token exchange was de-duplicated).
  adapter.onTurnError = (context: TurnContext, error: Error) => sink.unanswered(context, error);
  return adapter;
}

function productionAdapter(mode: ProductionModeConfig, { msal, storage }: ProductionAdapterParts): InboundAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: mode.appId,
      MicrosoftAppTenantId: mode.tenantId,
      MicrosoftAppType: mode.appType,
      // All of these are botbuilder's public-cloud defaults except the two that README's configuration lets you move.
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: `${mode.authorityHost}/${mode.tenantId ?? 'botframework.com'}`,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: mode.tokenServiceUrl,
      ToBotFromChannelOpenIdMetadataUrl: mode.openIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      CallerId: 'urn:botframework:azure',
    },
    // botbuilder ships with an older msal-node; its factory only calls acquireTokenByClientCredential, which both have.
    // With a managed identity too: the one MSAL client then signs in with the identity's token (a client assertion
    // it asks for before each request), for the Bot Connector as for on-behalf-of, with one token cache.
    // botframework-connector 4.23's FederatedServiceClientCredentialsFactory is not used: its FederatedAppCredentials
    // builds a second MSAL client (its own msal-node 2.x and cache) whose authority is the hard-coded
    // https://login.microsoftonline.com/<tenant>, ignoring ToChannelFromBotLoginUrl (ENTRA_AUTHORITY_HOST: national
    // clouds, the test stand-ins), and gives it the identity's token once, as a fixed string, not as a callback.
    new MsalServiceClientCredentialsFactory(mode.appId, msal as unknown as ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1]),
  );
  const adapter = new InboundAdapter(auth);
  adapter.use(new TeamsSSOTokenExchangeMiddleware(storage, mode.connectionName));
  return adapter;
}
