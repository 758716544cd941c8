import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { ProductionModeConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';

/** Entra ID sign-in hosts MSAL knows (public and national clouds); any other host must be declared to MSAL. */
const MICROSOFT_LOGIN_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn', 'login.chinacloudapi.cn']);

/**
 * The bot's one MSAL client, kept for the life of the process so its token cache serves repeated clicks.
 * It gets the bot's own tokens for the Bot Connector and the users' Graph tokens on their behalf (OBO).
 */
export function createMsalClient(mode: ProductionModeConfig, logger: Logger): ConfidentialClientApplication {
  const host = new URL(mode.authorityHost).host;
  const credential =
    mode.credential.kind === 'secret'
      ? { clientSecret: mode.credential.secret }
      : { clientCertificate: { thumbprintSha256: mode.credential.thumbprintSha256, privateKey: mode.credential.privateKey } };
  return new ConfidentialClientApplication({
    auth: {
      clientId: mode.appId,
      // Multi-tenant bots get Bot Connector tokens from the botframework.com tenant; users' tokens come from their own.
      authority: `${mode.authorityHost}/${mode.tenantId ?? 'botframework.com'}`,
      ...credential,
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
