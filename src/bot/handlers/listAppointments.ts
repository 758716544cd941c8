import { windowOf } from '../../bookings/dateRange.js';
import type { BookingsService } from '../../bookings/service.js';
import { type AdaptiveCard, renderList } from '../../cards/render.js';
import type { DataOf, TurnInput } from './types.js';

export interface ListSettings {
  windowDays: number;
  pageSize: number;
  clock: () => Date;
}

/** The list for the days asked for (the next N days by default), in the user's time zone. */
export function listAppointments(bookings: BookingsService, settings: ListSettings) {
  return async (turn: TurnInput, data: DataOf<'appointments.list'>): Promise<AdaptiveCard> => {
    const window = windowOf(data.range, settings.clock(), turn.render.timeZone, settings.windowDays);
    const result = await bookings.upcoming(turn.user, window, data.scope);
    const { windowDays, pageSize } = settings;
    return renderList({ result, offset: data.offset, range: data.range, windowDays, pageSize, refreshFor: turn.refreshFor }, turn.render);
  };
}
