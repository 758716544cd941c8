import { setTimeout as sleep } from 'node:timers/promises';
import type { DayItemView, DayProgress, DayWatch } from '../../bookings/dayCancellation.js';
import { CodedError, ErrorCode } from '../../bookings/errors.js';
import { renderDayProgress } from '../../cards/dayCancel.js';
import type { AdaptiveCard, RenderContext } from '../../cards/render.js';
import { failureText } from '../errorPolicy.js';
import type { TurnInput } from './types.js';

/** How a day's cancellation is answered and followed (config/durations.ts, dayTimingFor). */
export interface DayAnswerTiming {
  /** How long the answer waits for the batch to finish before showing its progress. */
  answerWaitMs: number;
  /** At most one card update this often. */
  progressEveryMs: number;
  /** How long the card keeps being updated after the answer. */
  followUpMs: number;
}

/**
 * The one live stream of card updates per batch on this instance: a later click on the same batch (Refresh, a second
 * Confirm) takes over, and the one before ends at its next step, so clicks cannot pile up streams.
 */
export class LatestStreams {
  private readonly latest = new Map<string, symbol>();

  /** Starts the batch's stream; the returned check says whether it is still the latest. */
  begin(batchId: string): () => boolean {
    const mine = Symbol(batchId);
    this.latest.set(batchId, mine);
    return () => this.latest.get(batchId) === mine;
  }

  /** Ends a stream; the batch is forgotten unless a later one took over. */
  end(batchId: string, isLatest: () => boolean): void {
    if (isLatest()) this.latest.delete(batchId);
  }

  /** Batches with a live stream (tests). */
  get size(): number {
    return this.latest.size;
  }
}

/**
 * The answer to a click on a day's cancellation (Confirm, Retry, Refresh): the summary when the batch ends within
 * the wait, else its progress, and then the card updated as it goes until it ends (TurnInput.updates); the batch
 * itself goes on regardless of the card.
 */
export async function answerWithProgress(watch: DayWatch, turn: TurnInput, timing: DayAnswerTiming, streams: LatestStreams): Promise<AdaptiveCard> {
  const first = await watch.settled(performance.now() + timing.answerWaitMs);
  if (!first.finished && turn.updates) turn.updates(progressCards(watch, turn.render, timing, streams, first.batchId));
  return dayCard(first, turn.render, !first.finished && !turn.updates);
}

async function* progressCards(watch: DayWatch, render: RenderContext, timing: DayAnswerTiming, streams: LatestStreams, batchId: string): AsyncGenerator<AdaptiveCard> {
  const isLatest = streams.begin(batchId);
  const giveUpAt = performance.now() + timing.followUpMs;
  try {
    for (;;) {
      await sleep(timing.progressEveryMs);
      if (!isLatest()) return;
      const progress = await watch.changed(giveUpAt);
      const over = performance.now() >= giveUpAt;
      yield dayCard(progress, render, over && !progress.finished);
      if (progress.finished || over) return;
    }
  } finally {
    streams.end(batchId, isLatest);
  }
}

function dayCard(progress: DayProgress, render: RenderContext, stalled: boolean): AdaptiveCard {
  return renderDayProgress({ progress, reasonOf: (item) => reasonOf(item, render), stalled }, render);
}

/** A failed or refused appointment's reason, in the words the error policy gives its code. */
function reasonOf(item: DayItemView, render: RenderContext): string {
  const error = new CodedError(item.errorCode ?? ErrorCode.Internal, 'one cancel of a day', { requestId: item.requestId, retryAfterSeconds: item.retryAfterSeconds });
  return failureText(error, render.locale);
}
