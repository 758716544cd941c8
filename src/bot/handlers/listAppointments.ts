import type { BookingsService } from '../../bookings/service.js';
import { type AdaptiveCard, renderList } from '../../cards/render.js';
import type { DataOf, TurnInput } from './types.js';

export interface ListSettings {
  windowDays: number;
  pageSize: number;
}

export function listAppointments(bookings: BookingsService, settings: ListSettings) {
  return async (turn: TurnInput, data: DataOf<'appointments.list'>): Promise<AdaptiveCard> => {
    const result = await bookings.upcoming(turn.user);
    return renderList({ result, offset: data.offset, ...settings, refreshFor: turn.refreshFor }, turn.render);
  };
}
