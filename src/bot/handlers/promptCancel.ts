import type { CancelGrants } from '../../bookings/cancelGrant.js';
import type { BookingsService } from '../../bookings/service.js';
import { type AdaptiveCard, renderCancelPrompt } from '../../cards/render.js';
import type { DataOf, TurnInput } from './types.js';
import type { Verb } from '../../cards/verbs.js';

/**
 * Cancel clicked on the list: the appointment as it is now, if the role allows cancelling it, and a prompt for the
 * customer message whose Confirm carries the signed grant of that decision.
 */
export function promptCancel(bookings: BookingsService, grants: CancelGrants) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.PromptCancel>): Promise<AdaptiveCard> => {
    const appointment = await bookings.appointmentToCancel(turn.acting, data.businessId, data.appointmentId);
    return renderCancelPrompt(appointment, turn.render, { grant: grants.issue(turn.acting.user, appointment) });
  };
}
