import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Attachment, TurnContext } from 'botbuilder';
import type { ConsentLinks } from '../../auth/consentLinks.js';
import type { Secret } from '../../bookings/secret.js';
import type { Acting, UserRef } from '../../bookings/types.js';
import type { PendingActions } from './pendingActions.js';

/** Who the signed-in user is: the tenant and object id of the token the bot acts with. */
export interface Identity {
  tenantId: string;
  objectId: string;
}

/** The user may go on: in production with their token for the bot's app; in local mode with nothing to show. */
export interface SignedIn {
  credential?: Secret;
  who: Identity;
}

/**
 * The identity in a user token (its `tid` and `oid` claims). It came from the Token Service over the bot's
 * authenticated call, and Entra checks it again when it is exchanged. A token without them (not a work or school
 * account's) is known only as itself: its hash, which nothing else shares.
 */
export function identityOfToken(token: string): Identity {
  try {
    const { tid, oid } = decodeJwt(token);
    if (typeof tid === 'string' && typeof oid === 'string') return { tenantId: tid, objectId: oid };
  } catch {
    // Not a JWT: known by its hash, below.
  }
  return { tenantId: '', objectId: `token:${createHash('sha256').update(token).digest('base64url')}` };
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
export interface SignInProvider {
  /**
   * A sign-in this turn need not prove again, or undefined: production answers only for an activity the Bot Framework
   * channel authenticated, whose user still has a fresh Graph token cached (no Token Service call); local mode always.
   */
  remembered(context: TurnContext): Promise<SignedIn | undefined>;
  /** The user's sign-in for this turn, optionally completing it with a magic code; undefined = ask them to sign in. */
  userToken(context: TurnContext, magicCode?: string): Promise<SignedIn | undefined>;
  /** Exchanges a Teams SSO token (from a retried card click) for the user's token; undefined when it cannot. */
  exchange(context: TurnContext, ssoToken: string): Promise<SignedIn | undefined>;
  /** The sign-in card for a chat message; undefined when there is nothing to sign in to. */
  prompt(context: TurnContext, reason: SignInReason, texts: SignInTexts): Promise<Attachment | undefined>;
  /** The sign-in answer for a card click; undefined when there is nothing to sign in to. */
  loginRequest(context: TurnContext, reason: SignInReason, texts: SignInTexts): Promise<LoginRequest | undefined>;
  /** Ends the user's sign-in and forgets their tokens; false when there was no sign-in to end (local mode). */
  signOut(context: TurnContext, acting: Acting): Promise<boolean>;
}

/** Everything the bot's edge needs to sign users in and out. */
export interface SignInParts {
  provider: SignInProvider;
  /** What a user asked for before they had to sign in. */
  pending: PendingActions;
  /** Production: where the user (or an administrator) grants the Graph permissions when Entra asks for consent. */
  consentLinks?: ConsentLinks;
  /** Forgets what the bot remembers of the user (their businesses and roles), on every instance: at sign-out. */
  forgetUser: (user: UserRef) => Promise<void>;
}

/**
 * How this turn shows who the user is: a click Teams retried with an SSO token or a magic code, a sign-in finished
 * earlier in the turn, or nothing (the Token Service may still hold the user's token).
 */
export type SignInProof = { ssoToken: string } | { magicCode: string } | { signedIn: SignedIn } | undefined;

/**
 * Why the user must sign in: plainly; after an SSO token that could not be exchanged (`interactive`: Teams must show
 * the button, not retry silent SSO); or after a magic code that did not work.
 */
export type SignInNeed = SignInReason | 'codeRejected';

/** An adaptiveCard/action invoke's value: the click, and what Teams adds when it retries it after in-card sign-in. */
export interface ClickValue {
  action?: { type?: unknown; verb?: unknown; data?: unknown };
  authentication?: { token?: unknown };
  state?: unknown;
}

/** A retried click's proof of sign-in: an SSO token (silent SSO) or the magic code from the sign-in page. */
export function proofOfClick(value: ClickValue | undefined): SignInProof {
  if (typeof value?.authentication?.token === 'string') return { ssoToken: value.authentication.token };
  if (typeof value?.state === 'string' && value.state !== '') return { magicCode: value.state };
  return undefined;
}

/**
 * The step before every action: the user's sign-in, or what they need to do first. An SSO token the Token Service
 * would not exchange (expired, consent missing, no answer in time) is `noted` and leads to the regular sign-in.
 */
export async function signInStep(provider: SignInProvider, context: TurnContext, proof: SignInProof, noted: (error: unknown, what: string) => void): Promise<SignedIn | SignInNeed> {
  if (proof && 'signedIn' in proof) return proof.signedIn;
  if (proof && 'ssoToken' in proof) return (await provider.exchange(context, proof.ssoToken).catch((error: unknown) => noted(error, 'SSO token exchange'))) ?? 'interactive';
  if (proof && 'magicCode' in proof) return (await provider.userToken(context, proof.magicCode)) ?? 'codeRejected';
  return (await provider.remembered(context)) ?? (await provider.userToken(context)) ?? 'signIn';
}

/** The turn acting for the user once signed in: as the token's identity, with its credential. */
export function signedInActing(acting: Acting, { credential, who }: SignedIn): Acting {
  return { ...acting, credential, user: { ...acting.user, tenantId: who.tenantId, aadObjectId: who.objectId } };
}
