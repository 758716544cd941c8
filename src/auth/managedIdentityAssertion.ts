import { LogLevel, ManagedIdentityApplication, ServerError } from '@azure/msal-node';
import { CodedError, ErrorCode } from '../bookings/errors.js';
import type { Logger } from '../logging/logger.js';

/**
 * The audience Entra ID requires of a token presented as a federated identity credential (public cloud; the app's
 * federated credential lists it: Microsoft Graph, federatedIdentityCredential.audiences).
 */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/**
 * The bot's client assertion when its credential is a user-assigned managed identity: that identity's token for
 * TOKEN_EXCHANGE_AUDIENCE, which the bot's app registration trusts as a federated identity credential.
 *
 * msal-node's ManagedIdentityApplication gets it and picks the host's protocol itself, from the environment the
 * platform sets (ManagedIdentityClient.ts): App Service's IDENTITY_ENDPOINT with IDENTITY_HEADER (GET, api-version
 * 2019-08-01, X-IDENTITY-HEADER, client_id), Service Fabric's, Machine Learning's, Cloud Shell's or Azure Arc's
 * variables, and IMDS (169.254.169.254) when none is set. Which one is chosen is fixed for the process.
 *
 * MSAL calls `assertion` before each request it sends to Entra ID (client credentials and on-behalf-of alike). The
 * identity's token then comes from MSAL's managed-identity cache while it has more than 5 minutes left (a token of
 * more than 2 hours is fetched again at half its life), and is fetched anew otherwise: Entra never gets an expired
 * one. That is also why this is a callback and not a string given once (which is what the MSAL sample and
 * botframework-connector's FederatedAppCredentials do): a string would outlive the token (about 24 hours).
 */
export class ManagedIdentityAssertion {
  private readonly identity: ManagedIdentityApplication;

  constructor(
    readonly clientId: string,
    logger: Logger,
  ) {
    this.identity = new ManagedIdentityApplication({
      managedIdentityIdParams: { userAssignedClientId: clientId },
      system: {
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Error,
          loggerCallback: (_level, message) => logger.error({ component: 'msal-managed-identity' }, message),
        },
      },
    });
  }

  /** The host protocol MSAL found ('AppService', 'DefaultToImds', …), for the start-up log line. */
  get source(): string {
    return this.identity.getManagedIdentitySource();
  }

  /** MSAL's clientAssertion callback. */
  readonly assertion = async (): Promise<string> => {
    try {
      return (await this.identity.acquireToken({ resource: TOKEN_EXCHANGE_AUDIENCE })).accessToken;
    } catch (error) {
      throw managedIdentityFailure(error);
    }
  };
}

/**
 * The identity endpoint refused (a 4xx: the identity is not assigned to this host, or the client id is wrong): only
 * an administrator can fix that. Anything else (no answer, a 5xx after MSAL's own retries) may pass.
 */
function managedIdentityFailure(error: unknown): CodedError {
  if (error instanceof ServerError && error.status !== undefined && error.status >= 400 && error.status < 500) {
    return new CodedError(ErrorCode.SignInMisconfigured, 'The managed identity endpoint refused to issue a token for MANAGED_IDENTITY_CLIENT_ID', { cause: error });
  }
  return new CodedError(ErrorCode.SignInUnavailable, 'The managed identity endpoint could not be reached or failed', { cause: error });
}
