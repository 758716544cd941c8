import { CodedError, ErrorCode } from '../../bookings/errors.js';
import { MAX_CANCELLATION_MESSAGE_LENGTH } from '../../bookings/cancellationMessage.js';
import type { BookingsService } from '../../bookings/service.js';
import { t } from '../../cards/i18n.js';
import { type AdaptiveCard, renderCancelled, renderCancelPrompt } from '../../cards/render.js';
import type { DataOf, TurnInput } from './types.js';
import type { Verb } from '../../cards/verbs.js';

const MESSAGE_PROBLEMS = new Set([ErrorCode.MessageRequired, ErrorCode.MessageTooLong]);

/**
 * Confirm clicked: cancel once and show the outcome. A message the domain refuses brings the prompt back with
 * the user's text and the reason, so nothing typed is lost; other failures go to the bot's error card.
 */
export function confirmCancel(bookings: BookingsService) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.ConfirmCancel>): Promise<AdaptiveCard> => {
    try {
      const outcome = await bookings.cancel(turn.user, data.businessId, data.appointmentId, data.cancellationMessage, turn.deadline);
      return renderCancelled(outcome.appointment, outcome.cancellationMessage, turn.render);
    } catch (error) {
      if (!(error instanceof CodedError) || !MESSAGE_PROBLEMS.has(error.code)) throw error;
      const appointment = await bookings.appointmentToCancel(turn.user, data.businessId, data.appointmentId);
      const reason = t(turn.render.locale, error.code === ErrorCode.MessageRequired ? 'errors.messageRequired' : 'errors.messageTooLong', {
        max: MAX_CANCELLATION_MESSAGE_LENGTH,
      });
      return renderCancelPrompt(appointment, turn.render, { message: data.cancellationMessage, error: reason });
    }
  };
}
