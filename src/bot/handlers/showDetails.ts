import type { BookingsService } from '../../bookings/service.js';
import { type AdaptiveCard, renderDetails } from '../../cards/render.js';
import type { DataOf, TurnInput } from './types.js';
import type { Verb } from '../../cards/verbs.js';

/** Details clicked: the appointment read by id (lists omit notes); the customer's phone only in a personal chat. */
export function showDetails(bookings: BookingsService) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.ShowDetails>): Promise<AdaptiveCard> => {
    const appointment = await bookings.appointment(turn.acting, data.businessId, data.appointmentId);
    return renderDetails(appointment, turn.render, { showPhone: turn.personal === true });
  };
}
