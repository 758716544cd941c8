import { ActivityHandler, CardFactory, type InvokeResponse, TurnContext } from 'botbuilder';
import { BookingsError, ErrorCode } from '../bookings/errors.js';
import type { Locale } from '../cards/i18n.js';
import { type AdaptiveCard, withSubmitActions } from '../cards/render.js';
import { Verb } from '../cards/verbs.js';
import type { Logger } from '../logging/logger.js';
import { type ActionData, languageOf, parseCardAction, submitOf } from './cardActions.js';
import { errorCard, errorText } from './errorCard.js';
import { treatmentOf } from './errorPolicy.js';
import type { help as helpHandler, welcome as welcomeHandler } from './handlers/help.js';
import type { ActionHandlers, TurnInput } from './handlers/types.js';
import { renderContextOf, supportsUniversalActions, userOf } from './turnContextInfo.js';

export interface BotRoutes {
  actions: ActionHandlers;
  help: ReturnType<typeof helpHandler>;
  welcome: typeof welcomeHandler;
}

/** Typed commands (English and Chinese) that show the list; anything unknown gets help. */
const LIST_COMMANDS = new Set(['appointments', 'appointment', 'upcoming', 'list', 'my appointments', '预约', '我的预约']);
const HELP_COMMANDS = new Set(['help', '?', '帮助']);

const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * The Bot Framework edge: turns activities into handler calls and handler cards into replies. Card clicks come
 * as adaptiveCard/action invokes (Teams: the answer replaces the card) or as Action.Submit messages (Emulator:
 * a new card; Teams with replyToId: the card is updated in place). Every failure is answered with a card.
 */
export class BookingsBot extends ActivityHandler {
  constructor(
    private readonly routes: BotRoutes,
    private readonly logger: Logger,
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

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'adaptiveCard/action') return super.onInvokeActivity(context);
    const value = context.activity.value as { action?: { type?: unknown; verb?: unknown; data?: unknown } } | undefined;
    const turn = turnInput(context, languageOf(value?.action?.data));
    let action: ActionData | undefined;
    try {
      if (value?.action?.type !== 'Action.Execute') throw new BookingsError(ErrorCode.InvalidAction, 'Not an Action.Execute invoke');
      action = parseCardAction(value.action.verb, value.action.data);
      return cardResponse(await this.dispatch(turn, action));
    } catch (error) {
      const failure = this.failure(context, error, action, turn);
      if (failure.treatment.invokeStatus === 200) return cardResponse(failure.card);
      const status = failure.treatment.invokeStatus;
      return { status, body: { statusCode: status, type: 'application/vnd.microsoft.error', value: { code: failure.error.code, message: failure.text } } };
    }
  }

  private async onMessageTurn(context: TurnContext): Promise<void> {
    const submit = submitOf(context.activity.value);
    if (submit) {
      const turn = turnInput(context, languageOf(submit.data));
      return this.respond(context, turn, () => parseCardAction(submit.verb, submit.data), true);
    }
    const turn = turnInput(context);
    const text = TurnContext.removeRecipientMention(context.activity)?.trim() ?? '';
    const command = text.toLowerCase().replace(/\s+/g, ' ');
    if (LIST_COMMANDS.has(command)) {
      return this.respond(context, turn, () => ({ verb: Verb.ListAppointments, data: { offset: 0 } }), false);
    }
    await this.send(context, this.routes.help(turn, HELP_COMMANDS.has(command) ? undefined : text));
  }

  /** Runs an action from a message (typed command or Action.Submit click) and sends its card, or the failure's. */
  private async respond(context: TurnContext, turn: TurnInput, actionOf: () => ActionData, isClick: boolean): Promise<void> {
    await context.sendActivity({ type: 'typing' });
    let action: ActionData | undefined;
    let card: AdaptiveCard;
    try {
      action = actionOf();
      card = await this.dispatch(turn, action);
    } catch (error) {
      card = this.failure(context, error, action, turn).card;
    }
    await this.send(context, card, isClick);
  }

  private async onMembersAddedTurn(context: TurnContext): Promise<void> {
    const { activity } = context;
    const added = activity.membersAdded ?? [];
    const botAdded = added.some((m) => m.id === activity.recipient.id);
    const personal = activity.conversation.conversationType === undefined || activity.conversation.conversationType === 'personal';
    // Greet once: when the bot joins a chat, or when someone opens a personal chat with it (Emulator).
    if (botAdded || (personal && added.some((m) => m.id !== activity.recipient.id))) {
      await this.send(context, this.routes.welcome(turnInput(context)));
    }
  }

  private async dispatch(turn: TurnInput, action: ActionData): Promise<AdaptiveCard> {
    const handler = this.routes.actions[action.verb] as (turn: TurnInput, data: ActionData['data']) => Promise<AdaptiveCard>;
    const started = performance.now();
    const card = await handler(turn, action.data);
    this.logger.info({ verb: action.verb, ms: Math.round(performance.now() - started) }, 'action handled');
    return card;
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
    return { error: coded, treatment, text: errorText(coded, treatment, locale), card: errorCard(coded, treatment, action, locale) };
  }
}

function turnInput(context: TurnContext, cardLanguage?: Locale): TurnInput {
  return { user: userOf(context.activity), render: renderContextOf(context.activity, cardLanguage) };
}

function cardResponse(card: AdaptiveCard): InvokeResponse {
  return { status: 200, body: { statusCode: 200, type: CARD_TYPE, value: card } };
}

/** An error's type and code only: messages of library errors may quote request data. */
function describe(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, statusCode } = error as Error & { code?: unknown; statusCode?: unknown };
  return { type: error.name, code, statusCode };
}
