import { CardFactory, type InvokeResponse, type TurnContext } from 'botbuilder';
import { type Locale, t } from '../cards/i18n.js';
import { type AdaptiveCard, withSubmitActions } from '../cards/render.js';
import type { Logger } from '../logging/logger.js';
import type { ActionData } from './cardActions.js';
import { describe, type Failure } from './failures.js';
import type { SignInNeed, SignInParts, SignInTexts } from './signIn/signIn.js';
import { logFieldsOf, supportsUniversalActions } from './turnContextInfo.js';

/** How an action's outcome reaches the user: its card, a request to sign in first, or its failure. */
export interface Answer {
  /** Answers with the card; resolves to the id of the message that holds it, where the channel says. */
  card(card: AdaptiveCard): Promise<string | undefined>;
  /** Asks the user to sign in (the action runs once they have); false when there is nothing to sign in to. */
  signInNeeded(need: SignInNeed, action: ActionData): Promise<boolean>;
  failed(failure: Failure): Promise<void>;
}

const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * A Universal Actions click (adaptiveCard/action): the invoke's answer replaces the clicked card in place, or makes
 * Teams sign the user in inside the card and retry the click. After a magic code that did not work, Teams gets
 * invalidAuthCode (TD Universal-actions-for-adaptive-cards/authentication-flow-in-universal-action-for-adaptive-cards.md).
 */
export class InvokeAnswer implements Answer {
  response?: InvokeResponse;

  constructor(
    private readonly context: TurnContext,
    private readonly signIn: SignInParts,
    private readonly locale: Locale,
  ) {}

  card(card: AdaptiveCard): Promise<string | undefined> {
    this.response = { status: 200, body: { statusCode: 200, type: CARD_TYPE, value: card } };
    // The answer replaces the clicked card, in the message the click came from.
    return Promise.resolve(this.context.activity.replyToId);
  }

  async signInNeeded(need: SignInNeed): Promise<boolean> {
    if (need === 'codeRejected') {
      const value = { code: 'invalidAuthCode', message: t(this.locale, 'signIn.codeRejected') };
      this.response = { status: 200, body: { statusCode: 401, type: 'application/vnd.microsoft.error.invalidAuthCode', value } };
      return true;
    }
    const login = await this.signIn.provider.loginRequest(this.context, need, signInTexts(this.locale));
    if (login) this.response = { status: 200, body: login };
    return login !== undefined;
  }

  async failed({ treatment, error, text, card }: Failure): Promise<void> {
    if (treatment.invokeStatus === 200) return void (await this.card(card));
    const status = treatment.invokeStatus;
    this.response = { status, body: { statusCode: status, type: 'application/vnd.microsoft.error', value: { code: error.code, message: text } } };
  }
}

/**
 * A message turn (a typed command, an Action.Submit click, or an action resumed after sign-in): every answer is a
 * message; a click in Teams updates the clicked card instead.
 */
export class MessageAnswer implements Answer {
  constructor(
    private readonly context: TurnContext,
    private readonly signIn: SignInParts,
    private readonly locale: Locale,
    private readonly logger: Logger,
    private readonly isClick = false,
  ) {}

  card(card: AdaptiveCard): Promise<string | undefined> {
    return sendCard(this.context, card, this.logger, this.isClick);
  }

  /** Sends the sign-in card and keeps the action for after sign-in. */
  async signInNeeded(need: SignInNeed, action: ActionData): Promise<boolean> {
    const card = await this.signIn.provider.prompt(this.context, need === 'interactive' ? 'interactive' : 'signIn', signInTexts(this.locale));
    if (!card) return false;
    await this.signIn.pending.save(this.context, { action, locale: this.locale });
    await this.context.sendActivity({ attachments: [card] });
    return true;
  }

  async failed(failure: Failure): Promise<void> {
    await this.card(failure.card);
  }
}

/** A card as a message: a click in Teams updates its card. Resolves to the id of the message that holds the card. */
export function sendCard(context: TurnContext, card: AdaptiveCard, logger: Logger, isClick = false): Promise<string | undefined> {
  return placeCard(context, card, logger, isClick ? context.activity.replyToId : undefined);
}

/**
 * The one place a card goes out: Action.Submit where the host has no Universal Actions; where it has them, the
 * message `replacing` names is updated in place (a new one is sent if that fails). Resolves to the card's message id.
 */
export async function placeCard(context: TurnContext, card: AdaptiveCard, logger: Logger, replacing?: string): Promise<string | undefined> {
  const { activity } = context;
  const universal = supportsUniversalActions(activity);
  const attachment = CardFactory.adaptiveCard(universal ? card : withSubmitActions(card));
  if (universal && replacing) {
    try {
      await context.updateActivity({ id: replacing, type: 'message', attachments: [attachment] });
      return replacing;
    } catch (error) {
      logger.warn({ ...logFieldsOf(context), err: describe(error), channel: activity.channelId }, 'card update failed; sending a new card');
    }
  }
  return (await context.sendActivity({ attachments: [attachment] }))?.id;
}

function signInTexts(locale: Locale): SignInTexts {
  return { text: t(locale, 'signIn.text'), button: t(locale, 'signIn.button') };
}
