import { signInFailureText } from '../errorPolicy.js';
import { logFieldsOf } from '../turnContextInfo.js';
import type { Route } from './route.js';

/** signin/failure: Teams could not do SSO (e.g. resourcematchfailed: the app id URI is wrong). Only an admin can fix it; say so. */
export const signInFailure: Route = async (context, kit) => {
  const { code } = (context.activity.value ?? {}) as { code?: unknown };
  const failureCode = typeof code === 'string' ? code.slice(0, 64) : 'unknown';
  kit.logger.warn({ ...logFieldsOf(context), signInFailure: failureCode, channel: context.activity.channelId }, 'Teams reported a single sign-on failure');
  await context.sendActivity(signInFailureText(failureCode, kit.turn(context).render.locale));
  return { status: 200 };
};
