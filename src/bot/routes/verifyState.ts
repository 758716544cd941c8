import { t } from '../../cards/i18n.js';
import { resumeAfterSignIn } from './afterSignIn.js';
import type { Route } from './route.js';

/** signin/verifyState: the user finished the sign-in page in Teams; `state` is the magic code that completes it. */
export const verifyState: Route = async (context, kit) => {
  const { state } = (context.activity.value ?? {}) as { state?: unknown };
  const signedIn = typeof state === 'string' ? await kit.signIn.provider.userToken(context, state).catch((error: unknown) => kit.sink.noted(context, error, 'magic code')) : undefined;
  if (!signedIn) {
    await context.sendActivity(t(kit.turn(context).render.locale, 'signIn.incomplete'));
    return { status: 404 };
  }
  await resumeAfterSignIn(context, kit, signedIn);
  return { status: 200 };
};
