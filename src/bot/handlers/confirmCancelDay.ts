import { messageProblem } from '../../bookings/cancellationMessage.js';
import { batchIdOf } from '../../bookings/dayBatch.js';
import type { DayCancellations } from '../../bookings/dayCancellation.js';
import type { DayGrant, DayGrants } from '../../bookings/dayGrant.js';
import { dayToCancel } from '../../bookings/dayToCancel.js';
import { CodedError, ErrorCode } from '../../bookings/errors.js';
import type { BookingsService } from '../../bookings/service.js';
import { userKeyOf } from '../../bookings/staffDirectory.js';
import { renderDayPrompt } from '../../cards/dayCancel.js';
import { t } from '../../cards/i18n.js';
import type { AdaptiveCard } from '../../cards/render.js';
import type { Verb } from '../../cards/verbs.js';
import { failureText } from '../errorPolicy.js';
import { answerWithProgress, type DayAnswerTiming, type LatestStreams } from './dayProgressAnswer.js';
import type { DataOf, TurnInput } from './types.js';

/**
 * A day's Confirm: with the prompt's grant, the ticked appointments become one batch (its id names the user, the
 * prompt and the choice, so a second click joins it), cancelled one by one through the single cancel's protocol; the
 * answer shows its progress. A message that can't be sent, or nothing ticked, brings the prompt back from the grant
 * (no reads). An expired grant follows the batch it started, if any, else shows the day again as it is now; a grant
 * that is not this user's own (forged, altered, replayed) sends nothing.
 */
export function confirmCancelDay(bookings: BookingsService, days: DayCancellations, grants: DayGrants, timing: DayAnswerTiming, streams: LatestStreams) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.ConfirmCancelDay>): Promise<AdaptiveCard> => {
    const { locale } = turn.render;
    const { user } = turn.acting;
    const grant = grants.verify(data.grant, user);
    if (!grant) return outOfDate({ bookings, days, grants, streams }, turn, grants.expired(data.grant, user), data, timing);
    const chosen = chosenOf(grant, data.picked);
    const again = (error: string) => renderDayPrompt({ offer: offerOf(grant), grant: data.grant, message: data.cancellationMessage, error, picked: chosen }, turn.render);
    const problem = messageProblem(data.cancellationMessage);
    if (problem) return again(failureText(problem, locale));
    if (chosen.length === 0) return again(t(locale, 'day.noneChosen'));
    const granted = chosen.map((i) => grant.appointments[i]!);
    const batchId = batchIdOf(userKeyOf(user), grant.nonce, grant.day);
    const watch = await days.confirm(turn.acting, { batchId, day: grant.day, message: data.cancellationMessage, granted, grantedAt: grant.issuedAt });
    return answerWithProgress(watch, turn, timing, streams);
  };
}

/** The ticked places of the grant's list, once each, in its order. */
function chosenOf(grant: DayGrant, picked: readonly number[]): number[] {
  return [...new Set(picked)].filter((i) => i < grant.appointments.length).sort((a, b) => a - b);
}

function offerOf(grant: DayGrant) {
  const { day, scope, appointments } = grant;
  return { day, scope, appointments, total: appointments.length, canSeeWholeBusiness: false };
}

/**
 * A Confirm whose grant no longer holds. Expired (still this user's own): the batch it started, if it did (a
 * re-delivery long after); otherwise the day read again, the message kept and "This card was out of date". Anything
 * else: a card we did not make.
 */
async function outOfDate(
  { bookings, days, grants, streams }: { bookings: BookingsService; days: DayCancellations; grants: DayGrants; streams: LatestStreams },
  turn: TurnInput,
  expired: DayGrant | undefined,
  data: DataOf<typeof Verb.ConfirmCancelDay>,
  timing: DayAnswerTiming,
): Promise<AdaptiveCard> {
  if (!expired) throw new CodedError(ErrorCode.InvalidAction, 'A day Confirm without a grant of this user');
  const batchId = batchIdOf(userKeyOf(turn.acting.user), expired.nonce, expired.day);
  try {
    return await answerWithProgress(await days.follow(turn.acting, batchId), turn, timing, streams);
  } catch (error) {
    if (!(error instanceof CodedError && error.code === ErrorCode.DayBatchUnknown)) throw error;
  }
  const offer = await dayToCancel(bookings, turn.acting, expired.day, turn.render.timeZone, expired.scope, {});
  const grant = offer.appointments.length > 0 ? grants.issue(turn.acting.user, offer.day, offer.scope, offer.appointments) : '';
  return renderDayPrompt({ offer, grant, message: data.cancellationMessage, error: t(turn.render.locale, 'prompt.expired') }, turn.render);
}
