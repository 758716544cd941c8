import type { DayCancellations } from '../../bookings/dayCancellation.js';
import type { AdaptiveCard } from '../../cards/render.js';
import type { Verb } from '../../cards/verbs.js';
import { answerWithProgress, type DayAnswerTiming, type LatestStreams } from './dayProgressAnswer.js';
import type { DataOf, TurnInput } from './types.js';

/** Refresh on a day's progress card: the batch as it stands; one whose instance stopped is taken over and finished here. */
export function cancelDayProgress(days: DayCancellations, timing: DayAnswerTiming, streams: LatestStreams) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.CancelDayProgress>): Promise<AdaptiveCard> => answerWithProgress(await days.follow(turn.acting, data.batch), turn, timing, streams);
}
