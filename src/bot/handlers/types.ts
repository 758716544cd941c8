import type { Acting } from '../../bookings/types.js';
import type { AdaptiveCard, RenderContext } from '../../cards/render.js';
import type { ActionDataOf } from '../cardActions.js';

/** What a handler knows about the turn: who asks (as the turn acts for them), and how to render for them. Nothing from botbuilder. */
export interface TurnInput {
  acting: Acting;
  render: RenderContext;
  /** Where cards can refresh themselves (Teams): the id of the user whose view a list card is. */
  refreshFor?: string;
  /** A one-to-one chat with the bot, where nobody else reads the cards. */
  personal?: boolean;
  /**
   * Work that goes on after the answer (a list still being completed): its card then replaces the answered one
   * (Teams) or follows it (hosts that cannot update a card). Where the turn has no way to deliver later, absent.
   */
  later?: (card: () => Promise<AdaptiveCard>) => void;
  /**
   * Work that updates the answered card more than once as it goes (a day's cancellation): each card the iterable
   * gives replaces the last one, in order (Teams), or follows it as a new message (hosts that cannot update a card).
   */
  updates?: (cards: AsyncIterable<AdaptiveCard>) => void;
}

export type DataOf<V extends keyof ActionDataOf> = ActionDataOf[V];

/** One handler per card verb; each answers with the next card. */
export type ActionHandlers = { [V in keyof ActionDataOf]: (turn: TurnInput, data: ActionDataOf[V]) => Promise<AdaptiveCard> };
