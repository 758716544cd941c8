import { describe, expect, it } from 'vitest';
import { renderDayProgress, renderDayPrompt } from '../../src/cards/dayCancel.js';
import { Verb } from '../../src/cards/verbs.js';
import { renderList } from '../../src/cards/render.js';
import { actionsOf, textsOf } from '../helpers/botHarness.js';
import { appointment, dayOffer, dayProgress, list } from '../helpers/cardStates.js';

/** The cards of a day's cancellation (src/cards/dayCancel.ts), in both languages. */
describe("a day's cancellation cards", () => {
  const en = { locale: 'en-US' as const, timeZone: 'Europe/London' };
  const zh = { locale: 'zh-CN' as const, timeZone: 'Asia/Shanghai' };
  const toggles = (card: unknown) => JSON.stringify(card).match(/"type":"Input\.Toggle"[^}]*/g) ?? [];

  it('offers "Cancel this day" under each day heading with something the user may cancel, and not where they may cancel nothing', () => {
    const mixed = { ...list(0), appointments: [appointment(0), appointment(30, { canCancel: false })] };
    const card = renderList({ result: mixed, offset: 0, pageSize: 5, windowDays: 14 }, en);
    const days = actionsOf(card).filter((a) => a.verb === Verb.PromptCancelDay);
    expect(days.map((a) => [a.title, a.data])).toEqual([['Cancel this day', { day: '2026-03-29', scope: 'mine', business: 'all', lang: 'en-US' }]]);
    expect(textsOf(card).filter((x) => /^[A-Z][a-z]{2}, Mar \d+$/.test(x))).toEqual(['Sun, Mar 29', 'Mon, Mar 30']);
  });

  it('prompt: every appointment ticked, one message naming no time, Confirm carrying the grant, in English and Chinese', () => {
    const card = renderDayPrompt({ offer: dayOffer(3, { canSeeWholeBusiness: true }), grant: 'g.m' }, en);
    expect(textsOf(card).slice(0, 2)).toEqual(['Cancel your appointments on Sun, Mar 29?', '3 you can cancel · times in Europe/London']);
    expect(toggles(card)).toHaveLength(3);
    expect(toggles(card).every((t) => t.includes('"value":"true"'))).toBe(true);
    const message = (card.body as { id?: string; value?: string }[]).find((b) => b.id === 'cancellationMessage')!;
    expect(message.value).toBe('We are sorry, but we have to cancel your appointment. Please book a new time that suits you.');
    expect(actionsOf(card).map((a) => a.title)).toEqual(['Whole business', 'Cancel the ticked appointments', 'Back']);
    expect(actionsOf(card).find((a) => a.verb === Verb.ConfirmCancelDay)).toMatchObject({ style: 'destructive', associatedInputs: 'auto', data: { grant: 'g.m' } });

    const chinese = renderDayPrompt({ offer: dayOffer(2), grant: 'g.m' }, zh);
    expect(textsOf(chinese)[0]).toBe('取消你在 3月29日周日 的预约？');
    expect(actionsOf(chinese).map((a) => a.title)).toEqual(['取消所勾选的预约', '返回']);
  });

  it('prompt: a day with nothing to cancel says so and has no Confirm', () => {
    const card = renderDayPrompt({ offer: dayOffer(0), grant: '' }, en);
    expect(textsOf(card)).toContain('You have no appointments on Sun, Mar 29 that you can cancel.');
    expect(actionsOf(card).map((a) => a.title)).toEqual(['Back']);
  });

  it('progress: "Cancelled 1 of 3" while it goes, with Refresh; the summary counts, each reason, and Retry when it can help', () => {
    // One failed already: Retry waits for the end (the batch is still running it).
    const running = renderDayProgress({ progress: dayProgress(['cancelled', 'failed', 'pending']), reasonOf: () => 'x' }, en);
    expect(textsOf(running).slice(0, 3)).toEqual(['Cancelling your appointments on Sun, Mar 29…', 'Cancelled 1 of 3', 'This card updates itself as it goes.']);
    expect(actionsOf(running).map((a) => a.title)).toEqual(['Refresh', 'Show my appointments']);

    const done = renderDayProgress({ progress: dayProgress(['cancelled', 'alreadyGone', 'refused', 'failed']), reasonOf: (item) => `because ${item.errorCode}` }, en);
    expect(textsOf(done)).toEqual(
      expect.arrayContaining(['Your appointments on Sun, Mar 29', 'Cancelled 1 of 4', 'Cancelled: 1', 'Already gone: 1', 'Refused: 1', 'Failed: 1', 'Refused: because forbidden', 'Not cancelled: because unavailable', 'Message to the customers:']),
    );
    expect(actionsOf(done).map((a) => [a.title, a.verb, a.data])).toEqual([
      ['Retry the failed ones', Verb.RetryCancelDay, { batch: 'b'.repeat(32), lang: 'en-US' }],
      ['Show my appointments', Verb.ListAppointments, { lang: 'en-US' }],
    ]);
    const chinese = renderDayProgress({ progress: dayProgress(['cancelled', 'failed']), reasonOf: () => '无法连接' }, zh);
    expect(textsOf(chinese)).toEqual(expect.arrayContaining(['你在 3月29日周日 的预约', '已取消 1 个，共 2 个', '失败: 1', '未取消：无法连接']));
    expect(actionsOf(chinese).map((a) => a.title)).toEqual(['重试失败的预约', '显示我的预约']);
  });
});
