import { ConfidentialClientApplication } from '@azure/msal-node';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, type InvokeResponse, type TurnContext } from 'botbuilder';
import { AuthenticationConstants, MsalServiceClientCredentialsFactory } from 'botframework-connector';
import restify from 'restify';

/**
 * What the baseline bots share with Bookings Bot's stack: restify, CloudAdapter validating every activity's JWT
 * (same cloud settings from the same environment variables), an ActivityHandler answering invokes.
 */
export async function serveBaseline(name: string, onInvoke: (context: TurnContext, adapter: CloudAdapter) => Promise<InvokeResponse>): Promise<void> {
  const env = process.env;
  const tenant = env.MicrosoftAppTenantId!;
  // The bot's own Token Service credentials, as Bookings Bot gets them (botbuilder's default factory would look the
  // local Entra up at login.microsoftonline.com first, which is not reachable here).
  const botCredentials = new ConfidentialClientApplication({
    auth: { clientId: env.MicrosoftAppId!, clientSecret: env.MicrosoftAppPassword!, authority: `${env.ENTRA_AUTHORITY_HOST}/${tenant}`, knownAuthorities: [new URL(env.ENTRA_AUTHORITY_HOST!).host] },
  });
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: env.MicrosoftAppId,
      MicrosoftAppPassword: env.MicrosoftAppPassword,
      MicrosoftAppTenantId: tenant,
      MicrosoftAppType: 'SingleTenant',
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: `${env.ENTRA_AUTHORITY_HOST}/${tenant}`,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: env.BOT_TOKEN_SERVICE_URL,
      ToBotFromChannelOpenIdMetadataUrl: env.BOT_OPENID_METADATA_URL,
      ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
        CallerId: 'urn:botframework:azure',
      },
      new MsalServiceClientCredentialsFactory(env.MicrosoftAppId!, botCredentials as unknown as ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1]),
    ),
  );
  class Bot extends ActivityHandler {
    protected override onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
      return onInvoke(context, adapter);
    }
  }
  const bot = new Bot();
  const server = restify.createServer({ name, handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }));
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  server.get('/healthz', async (_req, res) => {
    const { rss, heapUsed } = process.memoryUsage();
    res.send(200, { status: 'ok', memory: { rss: Math.round(rss / 1048576), heapUsed: Math.round(heapUsed / 1048576) } });
    return Promise.resolve();
  });
  await new Promise<void>((resolve) => {
    server.listen(Number(env.PORT ?? 0), '127.0.0.1', () => resolve());
  });
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}` })}\n`);
}
