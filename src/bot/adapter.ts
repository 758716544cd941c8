import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';

/**
 * The Bot Framework adapter. Without an app id (local mode) it accepts unauthenticated activities, as the
 * Emulator and the Agents Playground send them; with one, every activity's JWT is validated and a request
 * without a valid token is answered 401.
 */
export function createAdapter(mode: Config['mode'], logger: Logger): CloudAdapter {
  const auth =
    mode.kind === 'local'
      ? new ConfigurationBotFrameworkAuthentication({})
      : new ConfigurationBotFrameworkAuthentication({
          MicrosoftAppId: mode.appId,
          MicrosoftAppPassword: mode.appPassword,
          MicrosoftAppTenantId: mode.tenantId,
          MicrosoftAppType: mode.appType,
        });
  const adapter = new CloudAdapter(auth);
  // The one sink for failures the bot did not answer itself: log, and tell a chatting user without details.
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: { type: error.name }, activityType: context.activity.type, channel: context.activity.channelId }, 'unhandled turn error');
    if (context.activity.type === 'message') {
      await context.sendActivity('Sorry, something went wrong on my side. Please try again.').catch(() => undefined);
    }
  };
  return adapter;
}
