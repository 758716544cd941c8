import { windowOf } from '../../bookings/dateRange.js';
import type { BookingsService } from '../../bookings/service.js';
import { type AdaptiveCard, renderList } from '../../cards/render.js';
import type { DataOf, TurnInput } from './types.js';
import type { Verb } from '../../cards/verbs.js';

/** Where each user's chosen business is remembered ("all" or a business id). */
export interface BusinessChoices {
  get(userId: string): Promise<string | undefined>;
  put(userId: string, business: string): Promise<void>;
}

export interface ListSettings {
  windowDays: number;
  pageSize: number;
  clock: () => Date;
}

/** The list for the days asked for (the next N days by default), in the user's time zone. */
export function listAppointments(bookings: BookingsService, choices: BusinessChoices, settings: ListSettings) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.ListAppointments>): Promise<AdaptiveCard> => {
    const window = windowOf(data.range, settings.clock(), turn.render.timeZone, settings.windowDays);
    // A switch on the card or a typed name wins and is remembered; otherwise the user's last choice applies.
    const chosen = data.business ?? (data.businessName ? undefined : await choices.get(turn.user.id));
    const filter = { id: chosen === 'all' ? undefined : chosen, name: data.businessName };
    const result = await bookings.upcoming(turn.user, window, data.scope, filter);
    if ((data.business || data.businessName) && result.kind === 'appointments') await choices.put(turn.user.id, result.business?.id ?? 'all');
    const { windowDays, pageSize } = settings;
    return renderList({ result, offset: data.offset, range: data.range, windowDays, pageSize, refreshFor: turn.refreshFor }, turn.render);
  };
}
