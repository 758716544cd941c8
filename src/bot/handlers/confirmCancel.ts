import { messageProblem } from '../../bookings/cancellationMessage.js';
import type { Cancellations } from '../../bookings/cancellations.js';
import type { BookingsService } from '../../bookings/service.js';
import { type AdaptiveCard, renderCancelled, renderCancelPrompt } from '../../cards/render.js';
import type { Verb } from '../../cards/verbs.js';
import { failureText } from '../errorPolicy.js';
import type { DataOf, TurnInput } from './types.js';

/**
 * Confirm clicked: cancel once and show the outcome. A message that can't be sent brings the prompt back with the
 * user's text and the reason, so nothing typed is lost; any other failure goes to the bot's error sink.
 */
export function confirmCancel(bookings: BookingsService, cancellations: Cancellations) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.ConfirmCancel>): Promise<AdaptiveCard> => {
    const problem = messageProblem(data.cancellationMessage);
    if (problem) {
      const appointment = await bookings.appointmentToCancel(turn.user, data.businessId, data.appointmentId);
      return renderCancelPrompt(appointment, turn.render, { message: data.cancellationMessage, error: failureText(problem, turn.render.locale) });
    }
    const outcome = await cancellations.cancel(turn.user, data.businessId, data.appointmentId, data.cancellationMessage);
    return renderCancelled(outcome.appointment, outcome.cancellationMessage, turn.render);
  };
}
