import { type ClientAssertionCallback, ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { AppCredential, ProductionModeConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';

/** Entra ID sign-in hosts MSAL knows (public and national clouds); any other host must be declared to MSAL. */
export const MICROSOFT_LOGIN_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn', 'login.chinacloudapi.cn']);

/**
 * The bot's one MSAL client, kept for the life of the process so its token cache serves repeated clicks.
 * It gets the bot's own tokens for the Bot Connector and the users' Graph tokens on their behalf (OBO).
 * With a managed identity (`assertion`), the identity's token is the client assertion of both.
 */
export function createMsalClient(mode: ProductionModeConfig, logger: Logger, assertion?: ClientAssertionCallback): ConfidentialClientApplication {
  const host = new URL(mode.authorityHost).host;
  return new ConfidentialClientApplication({
    auth: {
      clientId: mode.appId,
      // Multi-tenant bots get Bot Connector tokens from the botframework.com tenant; users' tokens come from their own.
      authority: `${mode.authorityHost}/${mode.tenantId ?? 'botframework.com'}`,
      ...credentialOf(mode.credential, assertion),
      ...(MICROSOFT_LOGIN_HOSTS.has(host) ? {} : { knownAuthorities: [host] }),
    },
    system: {
      loggerOptions: {
        piiLoggingEnabled: false,
        // Warnings are routine (e.g. "no client info" on every app-only token); errors are worth a line.
        logLevel: LogLevel.Error,
        loggerCallback: (_level, message) => logger.error({ component: 'msal' }, message),
      },
    },
  });
}

function credentialOf(credential: AppCredential, assertion: ClientAssertionCallback | undefined) {
  switch (credential.kind) {
    case 'secret':
      return { clientSecret: credential.secret };
    case 'certificate':
      return { clientCertificate: { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKey } };
    case 'managedIdentity':
      // A callback, not a string: MSAL calls it before each request to Entra ID, so the assertion is always current.
      if (!assertion) throw new Error('createMsalClient: a managed identity credential needs its assertion source');
      return { clientAssertion: assertion };
  }
}
