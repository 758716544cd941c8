import { messageProblem } from '../../bookings/cancellationMessage.js';
import type { CancelGrants } from '../../bookings/cancelGrant.js';
import type { Cancellations } from '../../bookings/cancellations.js';
import type { BookingsService } from '../../bookings/service.js';
import { t } from '../../cards/i18n.js';
import { type AdaptiveCard, renderCancelled, renderCancelPrompt } from '../../cards/render.js';
import type { UpcomingAppointment } from '../../bookings/types.js';
import type { Verb } from '../../cards/verbs.js';
import { failureText } from '../errorPolicy.js';
import type { DataOf, TurnInput } from './types.js';

/**
 * Confirm clicked: with the prompt's grant, cancel (Graph's POST, nothing read first) and show the outcome. A grant
 * that does not hold (forged, altered, expired, someone else's) sends nothing: the ledger's outcome if it has one (a
 * re-delivered or replayed confirm), else the prompt again as the appointment is now. A message that can't be sent
 * brings the prompt back too. Either way the user's text is kept and the card says why; any other failure goes to the
 * bot's error sink.
 */
export function confirmCancel(bookings: BookingsService, cancellations: Cancellations, grants: CancelGrants) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.ConfirmCancel>): Promise<AdaptiveCard> => {
    const { locale } = turn.render;
    const again = (appointment: UpcomingAppointment, error: string) =>
      renderCancelPrompt(appointment, turn.render, { message: data.cancellationMessage, error, grant: grants.issue(turn.acting.user, appointment) });
    const problem = messageProblem(data.cancellationMessage);
    if (problem) return again(await bookings.appointmentToCancel(turn.acting, data.businessId, data.appointmentId), failureText(problem, locale));
    const grant = grants.verify(data.grant, turn.acting.user, data.businessId, data.appointmentId);
    const result = await cancellations.cancel(turn.acting, data.businessId, data.appointmentId, data.cancellationMessage, grant?.appointment, grant?.issuedAt);
    if (result.kind === 'confirmAgain') return again(result.appointment, t(locale, 'prompt.expired'));
    return renderCancelled(result.outcome.appointment, result.outcome.cancellationMessage, turn.render);
  };
}
