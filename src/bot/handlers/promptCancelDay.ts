import type { DayGrants } from '../../bookings/dayGrant.js';
import { dayKeyOf, dayToCancel } from '../../bookings/dayToCancel.js';
import type { BookingsService } from '../../bookings/service.js';
import { renderDayPrompt } from '../../cards/dayCancel.js';
import type { AdaptiveCard } from '../../cards/render.js';
import type { Verb } from '../../cards/verbs.js';
import type { DataOf, TurnInput } from './types.js';

/**
 * "Cancel this day" (or "cancel today"): the day's appointments this user may cancel, read as the list reads them,
 * each with a tick box, and one message for every customer; Confirm carries one signed grant listing them.
 */
export function promptCancelDay(bookings: BookingsService, grants: DayGrants, clock: () => Date) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.PromptCancelDay>): Promise<AdaptiveCard> => {
    const { timeZone } = turn.render;
    const filter = { id: data.business === 'all' ? undefined : data.business };
    const offer = await dayToCancel(bookings, turn.acting, dayKeyOf(data.day, clock(), timeZone), timeZone, data.scope, filter);
    const grant = offer.appointments.length > 0 ? grants.issue(turn.acting.user, offer.day, offer.scope, offer.appointments) : '';
    return renderDayPrompt({ offer, grant, business: data.business }, turn.render);
  };
}
