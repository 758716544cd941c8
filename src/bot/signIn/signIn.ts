import type { Attachment, TurnContext } from 'botbuilder';
import type { Secret } from '../../bookings/secret.js';
import type { UserRef } from '../../bookings/types.js';

/** The user may go on: in production with their token for the bot's app; in local mode with nothing to show. */
export interface SignedIn {
  credential?: Secret;
}

/**
 * Plain sign-in (Teams may do it silently by SSO), or one after an SSO token that could not be exchanged: that one
 * carries no SSO information, so Teams shows the button instead of retrying.
 */
export type SignInReason = 'signIn' | 'interactive';

/** Localized words of a sign-in prompt. */
export interface SignInTexts {
  text: string;
  button: string;
}

/** The Universal Actions answer that makes Teams sign the user in inside the card and then retry the click. */
export interface LoginRequest {
  statusCode: 401;
  type: 'application/vnd.microsoft.activity.loginRequest';
  value: { text: string; connectionName: string; tokenExchangeResource?: unknown; buttons: { type: 'signin'; title: string; value: string }[] };
}

/** How the bot learns who the user is and asks them to sign in. Production: the Bot Framework Token Service; local: nobody signs in. */
export interface SignIn {
  /** The user's sign-in for this turn, optionally completing it with a magic code; undefined = ask them to sign in. */
  userToken(context: TurnContext, magicCode?: string): Promise<SignedIn | undefined>;
  /** Exchanges a Teams SSO token (from a retried card click) for the user's token; undefined when it cannot. */
  exchange(context: TurnContext, ssoToken: string): Promise<SignedIn | undefined>;
  /** The sign-in card for a chat message; undefined when there is nothing to sign in to. */
  prompt(context: TurnContext, reason: SignInReason, texts: SignInTexts): Promise<Attachment | undefined>;
  /** The sign-in answer for a card click; undefined when there is nothing to sign in to. */
  loginRequest(context: TurnContext, reason: SignInReason, texts: SignInTexts): Promise<LoginRequest | undefined>;
  /** Ends the user's sign-in and forgets their tokens; false when there was no sign-in to end (local mode). */
  signOut(context: TurnContext, user: UserRef): Promise<boolean>;
}
