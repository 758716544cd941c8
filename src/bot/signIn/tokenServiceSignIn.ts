import { ActionTypes, type Attachment, CardFactory, type CloudAdapter, type OAuthCard, type TurnContext } from 'botbuilder';
import type { SignInUrlResponse, UserTokenClient } from 'botframework-connector';
import { AuthError } from '@azure/msal-node';
import { toSignInError } from '../../auth/msalErrors.js';
import type { OboTokenProvider } from '../../auth/oboTokenProvider.js';
import { Secret } from '../../bookings/secret.js';
import { CodedError, ErrorCode } from '../../bookings/errors.js';
import type { Acting } from '../../bookings/types.js';
import { byDeadline, msUntil, settledWithin } from '../../bookings/deadline.js';
import { isFromTheChannel, turnDeadlineOf, turnTraceOf, userOf } from '../turnContextInfo.js';
import { originOf, TOKEN_SERVICE_ROUTES, type TokenServiceOperation } from '../../telemetry/routes.js';
import { NO_TELEMETRY, type Telemetry } from '../../telemetry/telemetry.js';
import { identityOfToken, type LoginRequest, type SignedIn, type SignInProvider, type SignInReason, type SignInTexts } from './signIn.js';

/**
 * Production sign-in through the Azure Bot resource's OAuth connection. The Bot Framework Token Service does the
 * Teams SSO exchange, the sign-in page and the magic code, and holds the user's token for the bot's own app
 * (api://botid-{appId}); the bot turns that token into Graph tokens on behalf of the user (OboTokenProvider).
 */
export class TokenServiceSignIn implements SignInProvider {
  constructor(
    private readonly connectionName: string,
    private readonly obo: OboTokenProvider,
    /** The Token Service's URL (BOT_TOKEN_SERVICE_URL), which its calls' spans name. */
    private readonly tokenServiceUrl = '',
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {}

  /**
   * The user's Graph token is still fresh (here, and in the shared cache that a sign-out on any instance clears): the
   * turn goes on without asking the Token Service for the user's token. Only in Teams, for an activity whose JWT
   * botbuilder validated as the Bot Framework channel's: there `from` and the conversation's tenant are Teams' word
   * for the signed-in user, and the token must have come from this same Teams user's Token Service token. Direct Line
   * and Web Chat carry the same issuer but ids their client chose; an activity admitted as the Emulator's
   * (ALLOW_EMULATOR_TOKENS) likewise. Those always go through the Token Service.
   */
  async remembered(context: TurnContext): Promise<SignedIn | undefined> {
    if (context.activity.channelId !== 'msteams' || !isFromTheChannel(context)) return undefined;
    const user = userOf(context.activity);
    // A shared cache slower than the turn's budget counts as no token: the Token Service is asked (and bounded) next.
    const fresh = await byDeadline(this.obo.hasFreshToken({ user }), turnDeadlineOf(context), 'The shared token cache').catch((error: unknown) => {
      if (error instanceof CodedError && error.code === ErrorCode.Timeout) return false;
      throw error;
    });
    // Teams' ids, here the same user's whose Token Service token got the cached Graph token (hasFreshToken).
    return fresh ? { who: { tenantId: user.tenantId!, objectId: user.aadObjectId! } } : undefined;
  }

  async userToken(context: TurnContext, magicCode?: string): Promise<SignedIn | undefined> {
    const { from, channelId } = context.activity;
    const response = await this.reach(context, 'GetToken', () => this.client(context).getUserToken(from.id, this.connectionName, channelId, magicCode as string));
    return response?.token ? signedInWith(response.token) : undefined;
  }

  async exchange(context: TurnContext, ssoToken: string): Promise<SignedIn | undefined> {
    const { from, channelId } = context.activity;
    const response = await this.reach(context, 'exchange', () => this.client(context).exchangeToken(from.id, this.connectionName, channelId, { token: ssoToken }));
    return response?.token ? signedInWith(response.token) : undefined;
  }

  async prompt(context: TurnContext, reason: SignInReason, texts: SignInTexts): Promise<Attachment> {
    const resource = await this.signInResource(context);
    // Without tokenExchangeResource Teams does not try silent SSO and shows the button, which leads to consent.
    const card = CardFactory.oauthCard(this.connectionName, texts.button, texts.text, resource.signInLink, reason === 'signIn' ? resource.tokenExchangeResource : undefined);
    // The Emulator opens sign-in links as plain URLs (as botbuilder's OAuthPrompt does there).
    if (context.activity.channelId === 'emulator') (card.content as OAuthCard).buttons[0]!.type = ActionTypes.OpenUrl;
    return card;
  }

  async loginRequest(context: TurnContext, reason: SignInReason, texts: SignInTexts): Promise<LoginRequest> {
    const resource = await this.signInResource(context);
    return {
      statusCode: 401,
      type: 'application/vnd.microsoft.activity.loginRequest',
      value: {
        text: texts.text,
        connectionName: this.connectionName,
        ...(reason === 'signIn' ? { tokenExchangeResource: resource.tokenExchangeResource } : {}),
        buttons: [{ type: 'signin', title: texts.button, value: resource.signInLink! }],
      },
    };
  }

  /**
   * The cached Graph token goes first, everywhere, or the sign-out fails (StorageUnavailable): "signed out" must
   * never be said while an instance could still go on as the user with it.
   */
  async signOut(context: TurnContext, acting: Acting): Promise<boolean> {
    const { from, channelId } = context.activity;
    await this.obo.forgetEverywhere(acting).catch((cause: unknown) => {
      throw cause instanceof CodedError ? cause : new CodedError(ErrorCode.StorageUnavailable, 'The shared token cache could not be cleared', { cause });
    });
    await this.reach(context, 'SignOut', () => this.client(context).signOutUser(from.id, this.connectionName, channelId));
    return true;
  }

  private async signInResource(context: TurnContext): Promise<SignInUrlResponse> {
    const resource = await this.reach(context, 'GetSignInResource', () => this.client(context).getSignInResource(this.connectionName, context.activity, undefined as unknown as string));
    if (!resource?.signInLink) throw new CodedError(ErrorCode.SignInMisconfigured, 'The Token Service gave no sign-in link for the OAuth connection');
    return resource;
  }

  /** A Token Service call (see reach below), as a span of the turn's with telemetry on. */
  private async reach<T>(context: TurnContext, operation: TokenServiceOperation, call: () => Promise<T>): Promise<T> {
    const span = this.telemetry.httpCall(turnTraceOf(context), { service: 'tokenService', origin: originOf(this.tokenServiceUrl), ...TOKEN_SERVICE_ROUTES[operation] });
    try {
      const result = await reach(context, call);
      span.end({});
      return result;
    } catch (error) {
      const { statusCode } = ((error as { cause?: unknown }).cause ?? {}) as { statusCode?: unknown };
      span.end({ status: typeof statusCode === 'number' ? statusCode : undefined, error: error instanceof CodedError ? error.code : 'failed' });
      throw error;
    }
  }

  private client(context: TurnContext): UserTokenClient {
    const client = context.turnState.get<UserTokenClient | undefined>((context.adapter as CloudAdapter).UserTokenClientKey);
    if (!client) throw new CodedError(ErrorCode.SignInMisconfigured, 'This turn has no Token Service client');
    return client;
  }
}

/**
 * Token Service answers that no retry can change: a connection name it does not know (400/404), or the bot's own
 * token refused (401/403: wrong app id or secret). That is a misconfiguration for the bot's administrator, not an
 * outage.
 */
const MISCONFIGURED_STATUSES = new Set([400, 401, 403, 404]);

/**
 * A Token Service call, within what is left of the turn: failing to reach it (or no answer in time) is "unavailable",
 * a refusal of the bot's set-up is "misconfigured".
 */
async function reach<T>(context: TurnContext, call: () => Promise<T>): Promise<T> {
  const late = () => new CodedError(ErrorCode.SignInUnavailable, "The Bot Framework Token Service did not answer within the turn's budget");
  try {
    return await settledWithin(call(), msUntil(turnDeadlineOf(context)), late);
  } catch (cause) {
    if (cause instanceof CodedError) throw cause;
    // The bot's own token for the Token Service comes from MSAL (client credentials): a wrong secret fails there.
    if (cause instanceof AuthError) throw toSignInError(cause);
    const { statusCode } = cause as { statusCode?: unknown };
    if (typeof statusCode === 'number' && MISCONFIGURED_STATUSES.has(statusCode)) {
      throw new CodedError(ErrorCode.SignInMisconfigured, `The Token Service refused the bot's request (${statusCode})`, { cause });
    }
    throw new CodedError(ErrorCode.SignInUnavailable, 'The Bot Framework Token Service failed', { cause });
  }
}

/** A sign-in with the user's token: the bot acts with it, as the identity it names. */
function signedInWith(token: string): SignedIn {
  return { credential: new Secret(token), who: identityOfToken(token) };
}
