import { t } from '../../cards/i18n.js';
import { resumeAfterSignIn } from './afterSignIn.js';
import type { Route } from './route.js';

/**
 * signin/tokenExchange: Teams SSO succeeded. TeamsSSOTokenExchangeMiddleware has exchanged the token and let only the
 * first of the duplicate invokes through; finish what the user asked for before signing in.
 */
export const tokenExchange: Route = async (context, kit) => {
  const { id, connectionName } = (context.activity.value ?? {}) as { id?: unknown; connectionName?: unknown };
  const signedIn = await kit.signIn.provider.userToken(context).catch((error: unknown) => kit.sink.noted(context, error, 'user token after SSO'));
  if (signedIn) await resumeAfterSignIn(context, kit, signedIn);
  else await context.sendActivity(t(kit.turn(context).render.locale, 'signIn.incomplete'));
  return { status: 200, body: { id, connectionName, failureDetail: null } };
};
