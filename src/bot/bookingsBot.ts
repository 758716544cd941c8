import { ActivityHandler, CardFactory, type InvokeResponse, TurnContext } from 'botbuilder';
import type { ConsentLinks } from '../auth/consentLinks.js';
import { byDeadline } from '../bookings/deadline.js';
import { CodedError, ErrorCode } from '../bookings/errors.js';
import type { UserRef } from '../bookings/types.js';
import { type Locale, t } from '../cards/i18n.js';
import { withinGraphBudget } from '../graph/graphWait.js';
import { type AdaptiveCard, renderPrivateList, withSubmitActions } from '../cards/render.js';
import { Verb } from '../cards/verbs.js';
import { hashOf, withLogContext } from '../logging/logContext.js';
import type { Logger } from '../logging/logger.js';
import { type ActionData, languageOf, parseCardAction, submitOf } from './cardActions.js';
import { parseCommand } from './commands.js';
import { errorCard } from './errorCard.js';
import { errorText, treatmentOf } from './errorPolicy.js';
import type { help as helpHandler, welcome as welcomeHandler } from './handlers/help.js';
import type { ActionHandlers, TurnInput } from './handlers/types.js';
import type { PendingActions } from './signIn/pendingActions.js';
import type { SignedIn, SignIn, SignInReason, SignInTexts } from './signIn/signIn.js';
import { isSharedConversation, renderContextOf, supportsUniversalActions, userOf } from './turnContextInfo.js';

export interface BotRoutes {
  actions: ActionHandlers;
  help: ReturnType<typeof helpHandler>;
  welcome: typeof welcomeHandler;
}

export interface BotSignIn {
  signIn: SignIn;
  pending: PendingActions;
  /** Production: where the user (or an administrator) grants the Graph permissions when Entra asks for consent. */
  consentLinks?: ConsentLinks;
  /** Forgets what the bot remembers of the user (their businesses and roles), on every instance: at sign-out. */
  forgetUser: (user: UserRef) => Promise<void>;
}

const SHOW_LIST: ActionData = { verb: Verb.ListAppointments, data: { offset: 0, range: 'upcoming', scope: 'mine' } };

const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * The Bot Framework edge: turns activities into handler calls and handler cards into replies. Card clicks come
 * as adaptiveCard/action invokes (Teams: the answer replaces the card) or as Action.Submit messages (Emulator:
 * a new card; Teams with replyToId: the card is updated in place). Every failure is answered with a card.
 */
export class BookingsBot extends ActivityHandler {
  constructor(
    private readonly routes: BotRoutes,
    private readonly auth: BotSignIn,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
    /** Budget for all Graph calls of one action (TURN_TIMEOUT_MS), below Teams' 15 s invoke limit. */
    private readonly turnTimeoutMs = Infinity,
  ) {
    super();
    this.onMessage(async (context, next) => {
      await this.onMessageTurn(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      await this.onMembersAddedTurn(context);
      await next();
    });
  }

  /** Every log line of the turn names it: the activity id and a hash of the conversation (never the id itself). */
  override run(context: TurnContext): Promise<void> {
    const { id, conversation } = context.activity;
    return withLogContext({ turn: id, conversation: conversation?.id ? hashOf(conversation.id) : undefined }, () => super.run(context));
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    switch (context.activity.name) {
      case 'adaptiveCard/action':
        return this.onCardAction(context);
      case 'signin/tokenExchange':
        return this.onTokenExchange(context);
      case 'signin/verifyState':
        return this.onVerifyState(context);
      case 'signin/failure':
        return this.onSignInFailure(context);
      default:
        // botbuilder answers 501; an invoke this bot has no handler for is the caller's mistake, not a server fault.
        this.logger.info({ invoke: context.activity.name?.slice(0, 64), channel: context.activity.channelId }, 'invoke not handled');
        return { status: 400, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'This bot does not handle that invoke.' } } };
    }
  }

  /** A Universal Actions click: the answer (next card, error card or a sign-in request) replaces the card in place. */
  private async onCardAction(context: TurnContext): Promise<InvokeResponse> {
    const value = context.activity.value as CardActionValue | undefined;
    const turn = { ...turnInput(context, languageOf(value?.action?.data)), deadline: this.deadlineFromNow() };
    let action: ActionData | undefined;
    try {
      if (value?.action?.type !== 'Action.Execute') throw new CodedError(ErrorCode.InvalidAction, 'Not an Action.Execute invoke');
      action = parseCardAction(value.action.verb, value.action.data);
      const signedIn = await byDeadline(this.signedInForClick(context, value), turn.deadline, 'Sign-in');
      if (!signedIn) return await this.noSignInForClick(context, value, turn.render.locale);
      turn.user.credential = signedIn.credential;
      return cardResponse(await this.dispatch(turn, action));
    } catch (error) {
      const failure = this.failure(context, error, action, turn);
      const { treatment } = failure;
      if (treatment.asksSignIn) {
        const login = await this.loginRequest(context, 'signIn', turn.render.locale).catch(() => undefined);
        if (login) return login;
      }
      if (treatment.invokeStatus === 200) return cardResponse(failure.card);
      const status = treatment.invokeStatus;
      return { status, body: { statusCode: status, type: 'application/vnd.microsoft.error', value: { code: failure.error.code, message: failure.text } } };
    }
  }

  /** Teams retries a click after in-card sign-in with an SSO token (authentication) or a magic code (state). */
  private signedInForClick(context: TurnContext, value: CardActionValue): Promise<SignedIn | undefined> {
    const { signIn } = this.auth;
    if (typeof value.authentication?.token === 'string') return signIn.exchange(context, value.authentication.token);
    if (typeof value.state === 'string' && value.state !== '') return signIn.userToken(context, value.state);
    return signIn.userToken(context);
  }

  /**
   * The click came without a usable sign-in. After an SSO token the Token Service would not exchange, the login request
   * carries no SSO information (Teams would otherwise retry silent SSO forever); after a magic code that did not work,
   * Teams gets invalidAuthCode (TD Universal-actions-for-adaptive-cards/sso-adaptive-cards-universal-action.md,
   * authentication-flow-in-universal-action-for-adaptive-cards.md).
   */
  private async noSignInForClick(context: TurnContext, value: CardActionValue, locale: Locale): Promise<InvokeResponse> {
    if (typeof value.authentication?.token === 'string') return this.loginRequest(context, 'interactive', locale);
    if (typeof value.state === 'string' && value.state !== '') {
      return { status: 200, body: { statusCode: 401, type: 'application/vnd.microsoft.error.invalidAuthCode', value: { code: 'invalidAuthCode', message: t(locale, 'signIn.codeRejected') } } };
    }
    return this.loginRequest(context, 'signIn', locale);
  }

  private async loginRequest(context: TurnContext, reason: SignInReason, locale: Locale): Promise<InvokeResponse> {
    const login = await this.auth.signIn.loginRequest(context, reason, signInTexts(locale));
    if (!login) throw new CodedError(ErrorCode.SignInRequired, 'No sign-in available');
    return { status: 200, body: login };
  }

  /**
   * Teams SSO succeeded: TeamsSSOTokenExchangeMiddleware has exchanged the token and let only the first of the
   * duplicate invokes through. Finish what the user asked for before signing in.
   */
  private async onTokenExchange(context: TurnContext): Promise<InvokeResponse> {
    const { id, connectionName } = (context.activity.value ?? {}) as { id?: unknown; connectionName?: unknown };
    const signedIn = await this.auth.signIn.userToken(context).catch(() => undefined);
    if (signedIn) await this.resumeAfterSignIn(context, signedIn);
    else await context.sendActivity(t(turnInput(context).render.locale, 'signIn.incomplete'));
    return { status: 200, body: { id, connectionName, failureDetail: null } };
  }

  /** The user finished the sign-in page in Teams; `state` is the magic code that completes it. */
  private async onVerifyState(context: TurnContext): Promise<InvokeResponse> {
    const { state } = (context.activity.value ?? {}) as { state?: unknown };
    const signedIn = typeof state === 'string' ? await this.auth.signIn.userToken(context, state).catch(() => undefined) : undefined;
    if (!signedIn) {
      await context.sendActivity(t(turnInput(context).render.locale, 'signIn.incomplete'));
      return { status: 404 };
    }
    await this.resumeAfterSignIn(context, signedIn);
    return { status: 200 };
  }

  /** Teams could not do SSO (e.g. resourcematchfailed: the app id URI is wrong). Only an admin can fix it; say so. */
  private async onSignInFailure(context: TurnContext): Promise<InvokeResponse> {
    const { code } = (context.activity.value ?? {}) as { code?: unknown };
    const failureCode = typeof code === 'string' ? code.slice(0, 64) : 'unknown';
    this.logger.warn({ signInFailure: failureCode, channel: context.activity.channelId }, 'Teams reported a single sign-on failure');
    const { locale } = turnInput(context).render;
    const text = failureCode === 'resourcematchfailed' ? t(locale, 'signIn.failure.resourcematchfailed') : t(locale, 'signIn.failure.other', { code: failureCode });
    await context.sendActivity(text);
    return { status: 200 };
  }

  /** Runs the action the user asked for before they had to sign in (or shows the list), as a new message. */
  private async resumeAfterSignIn(context: TurnContext, signedIn: SignedIn): Promise<void> {
    const pending = await this.auth.pending.take(context);
    const turn = turnInput(context, pending?.locale);
    turn.user.credential = signedIn.credential;
    await this.respond(context, turn, () => pending?.action ?? SHOW_LIST, false);
  }

  private async onMessageTurn(context: TurnContext): Promise<void> {
    const submit = submitOf(context.activity.value);
    if (submit && isSharedConversation(context.activity)) {
      // An Action.Submit answer is a message everyone in the chat sees: answer with the private stand-in instead.
      return this.send(context, renderPrivateList(turnInput(context, languageOf(submit.data)).render.locale, context.activity.from.id));
    }
    if (submit) {
      const turn = turnInput(context, languageOf(submit.data));
      return this.respond(context, turn, () => parseCardAction(submit.verb, submit.data), true);
    }
    const turn = turnInput(context);
    const text = TurnContext.removeRecipientMention(context.activity)?.trim() ?? '';
    const command = parseCommand(text, this.clock(), turn.render.timeZone);
    if (command.kind === 'list') {
      // Where others can read the chat, nobody's appointments go into a card everyone sees.
      if (isSharedConversation(context.activity)) return this.send(context, renderPrivateList(turn.render.locale, context.activity.from.id));
      return this.respond(context, turn, () => ({ verb: Verb.ListAppointments, data: { offset: 0, range: command.range, scope: 'mine', businessName: command.businessName } }), false);
    }
    if (command.kind === 'signOut') return this.signOut(context, turn);
    // Six digits mean a magic code only while a sign-in is waiting for one.
    if (command.kind === 'magicCode' && (await this.auth.pending.has(context))) {
      const signedIn = await this.auth.signIn.userToken(context, command.code).catch(() => undefined);
      if (signedIn) return this.resumeAfterSignIn(context, signedIn);
      await context.sendActivity(t(turn.render.locale, 'signIn.codeRejected'));
      return;
    }
    await this.send(context, this.routes.help(turn, command.kind === 'help' && command.understood ? undefined : text));
  }

  private async signOut(context: TurnContext, turn: TurnInput): Promise<void> {
    const { locale } = turn.render;
    try {
      await this.auth.pending.take(context);
      const ended = await this.auth.signIn.signOut(context, turn.user);
      await this.auth.forgetUser(turn.user);
      await context.sendActivity(t(locale, ended ? 'signIn.signedOut' : 'signIn.localSignOut'));
    } catch (error) {
      await this.send(context, this.failure(context, error, undefined, turn).card);
    }
  }

  /**
   * Runs an action from a message (typed command, Action.Submit click, or one resumed after sign-in) and sends its
   * card. A user who must sign in first gets the sign-in card, and the action waits for them.
   */
  private async respond(context: TurnContext, turn: TurnInput, actionOf: () => ActionData, isClick: boolean): Promise<void> {
    await context.sendActivity({ type: 'typing' });
    turn.deadline ??= this.deadlineFromNow();
    let action: ActionData | undefined;
    let card: AdaptiveCard;
    try {
      action = actionOf();
      if (!turn.user.credential) {
        const signedIn = await byDeadline(this.auth.signIn.userToken(context), turn.deadline, 'Sign-in');
        if (!signedIn) {
          if (await this.askToSignIn(context, turn, action, 'signIn')) return;
          throw new CodedError(ErrorCode.SignInRequired, 'No sign-in available');
        }
        turn.user.credential = signedIn.credential;
      }
      card = await this.dispatch(turn, action);
    } catch (error) {
      const failure = this.failure(context, error, action, turn);
      if (failure.treatment.asksSignIn && action && (await this.askToSignIn(context, turn, action, 'signIn').catch(() => false))) return;
      card = failure.card;
    }
    await this.send(context, card, isClick);
  }

  /** Sends the sign-in card and keeps the action for after sign-in; false when there is nothing to sign in to. */
  private async askToSignIn(context: TurnContext, turn: TurnInput, action: ActionData, reason: SignInReason): Promise<boolean> {
    const { locale } = turn.render;
    const card = await this.auth.signIn.prompt(context, reason, signInTexts(locale));
    if (!card) return false;
    await this.auth.pending.save(context, { action, locale });
    await context.sendActivity({ attachments: [card] });
    return true;
  }

  private async onMembersAddedTurn(context: TurnContext): Promise<void> {
    const { activity } = context;
    // Greet once per conversation: when the bot joins it. Web Chat over Direct Line also says when the user joins
    // (seconds later, mid-chat) and the Emulator names both at once; neither is a second welcome.
    if ((activity.membersAdded ?? []).some((m) => m.id === activity.recipient.id)) {
      await this.send(context, this.routes.welcome(turnInput(context)));
    }
  }

  private async dispatch(turn: TurnInput, action: ActionData): Promise<AdaptiveCard> {
    const handler = this.routes.actions[action.verb] as (turn: TurnInput, data: ActionData['data']) => Promise<AdaptiveCard>;
    const started = performance.now();
    // The turn's one deadline, set when it began (sign-in came first): Graph gets what is left of it.
    const deadline = turn.deadline ?? started + this.turnTimeoutMs;
    const { result: card, wait } = await withinGraphBudget(() => handler({ ...turn, deadline }, action.data), deadline - started);
    // ms is the whole action, graphMs the part spent waiting on Graph: the difference is the bot's own cost.
    this.logger.info(
      { verb: action.verb, ms: round(performance.now() - started), graphMs: round(wait.waitedMs), graphCalls: wait.calls, graphRequestIds: wait.requestIds },
      'action handled',
    );
    return card;
  }

  /** The instant by which a turn starting now must answer: TURN_TIMEOUT_MS, under Teams' 15 s invoke limit. */
  private deadlineFromNow(): number {
    return performance.now() + this.turnTimeoutMs;
  }

  /** Sends a card; a click in Teams updates the clicked card instead of adding a message. */
  private async send(context: TurnContext, card: AdaptiveCard, isClick = false): Promise<void> {
    const { activity } = context;
    const universal = supportsUniversalActions(activity);
    const attachment = CardFactory.adaptiveCard(universal ? card : withSubmitActions(card));
    if (isClick && universal && activity.replyToId) {
      try {
        await context.updateActivity({ id: activity.replyToId, type: 'message', attachments: [attachment] });
        return;
      } catch (error) {
        this.logger.warn({ err: describe(error), channel: activity.channelId }, 'card update failed; sending a new card');
      }
    }
    await context.sendActivity({ attachments: [attachment] });
  }

  /** The one sink for failed actions: coded, logged without user data, and turned into the user's answer. */
  private failure(context: TurnContext, error: unknown, action: ActionData | undefined, turn: TurnInput) {
    const { error: coded, treatment } = treatmentOf(error);
    this.logger.warn(
      { code: coded.code, verb: action?.verb, requestId: coded.requestId, channel: context.activity.channelId, cause: describe(coded.cause) },
      'action failed',
    );
    const { locale } = turn.render;
    const links = treatment.consentLinks ? this.auth.consentLinks : undefined;
    return { error: coded, treatment, text: errorText(coded, treatment, locale), card: errorCard(coded, treatment, action, locale, links) };
  }
}

interface CardActionValue {
  action?: { type?: unknown; verb?: unknown; data?: unknown };
  authentication?: { token?: unknown };
  state?: unknown;
}

function signInTexts(locale: Locale): SignInTexts {
  return {
    text: t(locale, 'signIn.text'),
    button: t(locale, 'signIn.button'),
  };
}

function turnInput(context: TurnContext, cardLanguage?: Locale): TurnInput {
  const { activity } = context;
  return {
    user: userOf(activity),
    render: renderContextOf(activity, cardLanguage),
    refreshFor: supportsUniversalActions(activity) ? activity.from?.id : undefined,
    personal: !isSharedConversation(activity),
  };
}

function cardResponse(card: AdaptiveCard): InvokeResponse {
  return { status: 200, body: { statusCode: 200, type: CARD_TYPE, value: card } };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** An error's type and code only: messages of library errors may quote request data. */
function describe(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, statusCode } = error as Error & { code?: unknown; statusCode?: unknown };
  return { type: error.name, code, statusCode };
}
