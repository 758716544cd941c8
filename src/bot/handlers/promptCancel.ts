import type { BookingsService } from '../../bookings/service.js';
import { type AdaptiveCard, renderCancelPrompt } from '../../cards/render.js';
import type { DataOf, TurnInput } from './types.js';
import type { Verb } from '../../cards/verbs.js';

/** Cancel clicked on the list: show the appointment as it is now and ask for the customer message (if the role allows). */
export function promptCancel(bookings: BookingsService) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.PromptCancel>): Promise<AdaptiveCard> => {
    const appointment = await bookings.appointmentToCancel(turn.user, data.businessId, data.appointmentId);
    return renderCancelPrompt(appointment, turn.render);
  };
}
