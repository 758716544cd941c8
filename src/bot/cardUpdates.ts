import { TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/render.js';
import type { Logger } from '../logging/logger.js';
import { placeCard } from './answer.js';
import type { FailureSink } from './failures.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { factsOf, type TurnFacts, turnTraceOf } from './turnContextInfo.js';
import { traceConnectorCalls } from './turnTrace.js';

/** What delivering a card's updates needs of the router. */
export interface UpdateParts {
  botAppId: string;
  logger: Logger;
  sink: FailureSink;
}

/**
 * Cards that update an answered one as work goes on after the turn (TurnInput.updates): each is delivered through
 * the turn's conversation (a proactive message), one after the other, replacing the card in place where the host can
 * update one (placeCard) and following it as a new message elsewhere. A failure of the work is answered like the
 * action's own, in that card's place; one of the delivery itself is logged. `ended` hears whether the work's cards
 * all got there.
 */
export function deliverUpdates(
  context: TurnContext,
  parts: UpdateParts,
  telemetry: Telemetry,
  cardId: string | undefined,
  cards: AsyncIterable<AdaptiveCard>,
  failed: (facts: TurnFacts, error: unknown) => AdaptiveCard,
  ended?: (outcome: 'delivered' | 'failed') => void,
): void {
  // Taken now: botbuilder revokes the turn's context when the turn ends.
  const { adapter } = context;
  const facts = factsOf(context);
  const reference = TurnContext.getConversationReference(context.activity);
  const trace = turnTraceOf(context);
  let placed = cardId;
  const place = (card: AdaptiveCard) =>
    adapter.continueConversationAsync(parts.botAppId, reference, async (proactive) => {
      // The updates' connector calls hang under the turn that answered, as a follow-up's do.
      if (trace) traceConnectorCalls(proactive, telemetry, trace);
      placed = (await placeCard(proactive, card, parts.logger, placed)) ?? placed;
    });
  const run = async (): Promise<'delivered' | 'failed'> => {
    try {
      for await (const card of cards) await place(card);
      return 'delivered';
    } catch (error) {
      await place(failed(facts, error));
      return 'failed';
    }
  };
  run().then(
    (outcome) => ended?.(outcome),
    (error: unknown) => {
      parts.sink.noted(facts, error, 'card update after the turn');
      ended?.('failed');
    },
  );
}
