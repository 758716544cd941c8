import type { DayCancellations } from '../../bookings/dayCancellation.js';
import type { AdaptiveCard } from '../../cards/render.js';
import type { Verb } from '../../cards/verbs.js';
import { answerWithProgress, type DayAnswerTiming, type LatestStreams } from './dayProgressAnswer.js';
import type { DataOf, TurnInput } from './types.js';

/** "Retry the failed ones": only those run again (each still cancelled once: the ledger), the card shows how it goes. */
export function retryCancelDay(days: DayCancellations, timing: DayAnswerTiming, streams: LatestStreams) {
  return async (turn: TurnInput, data: DataOf<typeof Verb.RetryCancelDay>): Promise<AdaptiveCard> => answerWithProgress(await days.retry(turn.acting, data.batch), turn, timing, streams);
}
