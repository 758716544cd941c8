import type { UserRef } from '../../bookings/types.js';
import type { AdaptiveCard, RenderContext } from '../../cards/render.js';
import type { ActionDataOf } from '../cardActions.js';

/** What a handler knows about the turn: who asks, and how to render for them. Nothing from botbuilder. */
export interface TurnInput {
  user: UserRef;
  render: RenderContext;
  /** Where cards can refresh themselves (Teams): the id of the user whose view a list card is. */
  refreshFor?: string;
  /** A one-to-one chat with the bot, where nobody else reads the cards. */
  personal?: boolean;
}

export type DataOf<V extends keyof ActionDataOf> = ActionDataOf[V];

/** One handler per card verb; each answers with the next card. */
export type ActionHandlers = { [V in keyof ActionDataOf]: (turn: TurnInput, data: ActionDataOf[V]) => Promise<AdaptiveCard> };
