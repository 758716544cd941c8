import { windowOf } from '../../bookings/dateRange.js';
import type { BookingsService } from '../../bookings/service.js';
import { userKeyOf } from '../../bookings/staffDirectory.js';
import { type AdaptiveCard, renderList } from '../../cards/render.js';
import type { DataOf, TurnInput } from './types.js';
import type { Verb } from '../../cards/verbs.js';

/** Where each user's chosen business is remembered ("all" or a business id), by user key (userKeyOf). */
export interface BusinessChoices {
  get(userKey: string): Promise<string | undefined>;
  put(userKey: string, business: string): Promise<void>;
}

export interface ListSettings {
  windowDays: number;
  pageSize: number;
  clock: () => Date;
  /** How long a list waits for a scan of the tenant before answering with the businesses found so far. */
  scanWaitMs: number;
  /** The budget of the reads that complete a list after its answer (a turn's, TURN_TIMEOUT_MS). */
  followUpMs: number;
}

/**
 * The list for the days asked for (the next N days by default), in the user's time zone. With `rescan`, the tenant
 * is read again for the user's businesses first ("Refresh my businesses"). A list whose businesses are still being
 * found answers with those found so far, and is replaced by the complete one when the scan ends.
 */
export function listAppointments(bookings: BookingsService, choices: BusinessChoices, settings: ListSettings, { rescan = false } = {}) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.ListAppointments>): Promise<AdaptiveCard> => {
    const window = windowOf(data.range, settings.clock(), turn.render.timeZone, settings.windowDays);
    // A switch on the card or a typed name wins and is remembered; otherwise the user's last choice applies.
    const chosen = data.business ?? (data.businessName ? undefined : await choices.get(userKeyOf(turn.acting.user)));
    const filter = { id: chosen === 'all' ? undefined : chosen, name: data.businessName };
    const result = await bookings.upcoming(turn.acting, window, data.scope, filter, { answerBy: performance.now() + settings.scanWaitMs, rescan });
    if ((data.business || data.businessName) && result.kind === 'appointments') await choices.put(userKeyOf(turn.acting.user), result.business?.id ?? 'all');
    const { windowDays, pageSize } = settings;
    const render = (listed: typeof result) => renderList({ result: listed, offset: data.offset, range: data.range, windowDays, pageSize, refreshFor: turn.refreshFor }, turn.render);
    const scanning = result.kind === 'appointments' ? result.scanning : undefined;
    if (scanning) {
      turn.later?.(async () => {
        await scanning.done;
        // The turn has answered: the complete list's reads get a budget of their own.
        const acting = { ...turn.acting, deadline: performance.now() + settings.followUpMs };
        return render(await bookings.upcoming(acting, window, data.scope, filter));
      });
    }
    return render(result);
  };
}
