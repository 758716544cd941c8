import { describe, expect, it } from 'vitest';
import type { DayProgress, DayWatch } from '../../../src/bookings/dayCancellation.js';
import { answerWithProgress, LatestStreams } from '../../../src/bot/handlers/dayProgressAnswer.js';
import type { TurnInput } from '../../../src/bot/handlers/types.js';
import type { AdaptiveCard } from '../../../src/cards/render.js';

const progress: DayProgress = {
  batchId: 'b'.repeat(32),
  day: '2026-12-09',
  message: 'Sorry',
  items: [],
  counts: { total: 2, cancelled: 1, alreadyGone: 0, refused: 0, failed: 0, pending: 1 },
  finished: false,
  retryable: 0,
};
/** A batch that never finishes: each stream would update its card until its follow-up time ran out. */
const unfinished: DayWatch = { current: () => progress, settled: () => Promise.resolve(progress), changed: () => Promise.resolve(progress) };
const timing = { answerWaitMs: 0, progressEveryMs: 1, followUpMs: 60_000 };

/** One click's answer; the update stream it started, if any. */
async function click(streams: LatestStreams): Promise<AsyncIterable<AdaptiveCard>> {
  let started: AsyncIterable<AdaptiveCard> | undefined;
  const turn = { acting: { user: { id: 'u' } }, render: { locale: 'en-US', timeZone: 'UTC' }, updates: (cards: AsyncIterable<AdaptiveCard>) => void (started = cards) } as TurnInput;
  await answerWithProgress(unfinished, turn, timing, streams);
  return started!;
}

describe('card updates of a day batch', () => {
  it('keeps one live stream per batch: a later click on the same batch ends the one before, so clicks cannot pile streams up', async () => {
    const streams = new LatestStreams();
    const first = (await click(streams))[Symbol.asyncIterator]();
    expect((await first.next()).done).toBe(false);
    const second = (await click(streams))[Symbol.asyncIterator]();
    expect((await second.next()).done).toBe(false);
    // The first stream ends at its next step instead of updating its card for the rest of its minute.
    expect((await first.next()).done).toBe(true);
    expect((await second.next()).done).toBe(false);
    expect(streams.size).toBe(1);
    await second.return?.(undefined);
    expect(streams.size).toBe(0);
  });
});
