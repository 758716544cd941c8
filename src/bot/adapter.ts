import type { ConfidentialClientApplication } from '@azure/msal-node';
import {
  type Activity,
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type InvokeResponse,
  StatusCodes,
  type Storage,
  TeamsSSOTokenExchangeMiddleware,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConstants, AuthenticationError, MsalServiceClientCredentialsFactory } from 'botframework-connector';
import type { Config, ProductionModeConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { errorText, treatmentOf } from './errorPolicy.js';
import { renderContextOf } from './turnContextInfo.js';

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
export function createAdapter(mode: Config['mode'], logger: Logger, production?: ProductionAdapterParts): InboundAdapter {
  const adapter = mode.kind === 'local' || !production ? new InboundAdapter(new ConfigurationBotFrameworkAuthentication({})) : productionAdapter(mode, production);
  // The one sink for failures the bot did not answer itself (e.g. storage lost during a sign-in): log the code, and
  // tell the user in words the error policy gives; an invoke also gets a status instead of botbuilder's 501.
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    // MSAL's errorCode (e.g. invalid_client when the bot's secret has expired) tells an admin what to fix.
    const { errorCode } = error as Error & { errorCode?: unknown };
    const { error: coded, treatment } = treatmentOf(error);
    logger.error({ err: { type: error.name, code: errorCode ?? coded.code }, activityType: context.activity.type, channel: context.activity.channelId }, 'unhandled turn error');
    const { type } = context.activity;
    if (type === 'invoke') {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: treatment.retryable ? 503 : StatusCodes.INTERNAL_SERVER_ERROR } }).catch(() => undefined);
    }
    if (type === 'message' || type === 'invoke') {
      await context.sendActivity(errorText(coded, treatment, renderContextOf(context.activity).locale)).catch(() => undefined);
    }
  };
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
    new MsalServiceClientCredentialsFactory(mode.appId, msal as unknown as ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1]),
  );
  const adapter = new InboundAdapter(auth);
  adapter.use(new TeamsSSOTokenExchangeMiddleware(storage, mode.connectionName));
  return adapter;
}

/** Errors of the JWT library for a token that is forged, expired or not yet valid (by their documented names). */
const JWT_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/**
 * CloudAdapter with the HTTP part left to the bot's own gate (bot/inbound/gate.ts): CloudAdapter.process writes
 * every failure to console.error and answers with botbuilder's message (the token's audience, key endorsements).
 * A token with a bad signature or lifetime fails with the JWT library's errors, which are not botbuilder's
 * AuthenticationError; here it becomes one, so the gate answers 401 as for any other refused token.
 */
export class InboundAdapter extends CloudAdapter {
  async processInbound(authorization: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    try {
      return await this.processActivity(authorization, activity, logic);
    } catch (error) {
      if (error instanceof Error && JWT_ERRORS.has(error.name)) throw new AuthenticationError(`Invalid token (${error.name})`, StatusCodes.UNAUTHORIZED);
      throw error;
    }
  }
}
