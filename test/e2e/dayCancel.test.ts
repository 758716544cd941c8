import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type BotHarness, type Card, cardOf, emulatorActivity, startBot, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { addBusyDay, type BusyDay, MEGAN_IN_CONTOSO } from '../helpers/busyDay.js';
import { FABRIKAM } from '../helpers/localGraph.js';

const MESSAGE = 'I am ill today, sorry. Please book a new time.';
const ISAIAH_IN_FABRIKAM = '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918';

/** The tick boxes of a day's prompt: their input ids, in order. */
function toggles(card: Card): string[] {
  return [...JSON.stringify(card).matchAll(/"type":"Input\.Toggle","id":"(pick\d+)"/g)].map((m) => m[1]!);
}

/** What the user sends with Confirm: every box ticked except `untick`, and the message. */
function inputs(card: Card, untick: number[] = [], message = MESSAGE): Record<string, string> {
  return { ...Object.fromEntries(toggles(card).map((id, i) => [id, untick.includes(i) ? 'false' : 'true'])), cancellationMessage: message };
}

const button = (card: Card, title: string) => actionsOf(card).find((a) => a.title === title)!;
const line = (card: Card) => textsOf(card).find((t) => /^Cancelled \d+ of \d+$|^已取消 \d+ 个，共 \d+ 个$/.test(t));

/**
 * "Out sick": a day of appointments cancelled with one message, over the bot's real HTTP endpoint, as Teams sends it
 * (Universal Actions: each answer replaces the card, progress updates it in place) and as the Emulator does
 * (Action.Submit: progress comes as new cards). The local Graph answers each request after 300 ms and serves 4 at once
 * per mailbox; with TURN_TIMEOUT_MS 4 s, Confirm answers after 1 s with the progress so far.
 */
describe('cancelling a day of appointments (local Graph, Teams and Emulator)', () => {
  let h: BotHarness;
  let busy: BusyDay;
  const posts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));
  const postsTo = (id: string) => posts().filter((r) => r.path.includes(encodeURIComponent(id)));
  const onceEach = () => {
    const seen = new Map<string, number>();
    for (const c of h.graph.store.cancellations) seen.set(c.appointmentId, (seen.get(c.appointmentId) ?? 0) + 1);
    return [...seen.values()].every((n) => n === 1);
  };

  beforeEach(async () => {
    h = await startBot({ TURN_TIMEOUT_MS: '4000' });
    busy = addBusyDay(h.graph, { count: 20 });
  });
  afterEach(async () => {
    await h.stop();
  });

  /** Types a message in Teams; returns the card it answers with and the id of the message that holds it. */
  const say = async (text: string, clientInfo = {}) => {
    const before = h.connector.cardCalls().length;
    await h.post(teamsActivity({ type: 'message', text }, clientInfo));
    const call = (await h.connector.waitForCards(before + 1)).at(-1)!;
    return { card: cardOf(call), id: call.activity.id! };
  };
  /** Presses an Action.Execute in Teams on the card held by message `cardId`. */
  const press = async (action: Record<string, unknown>, cardId: string, extra: Record<string, unknown> = {}, clientInfo = {}) => {
    expect(action.type).toBe('Action.Execute');
    const answer = await h.click(action.verb, { ...(action.data as object), ...extra }, { replyToId: cardId }, { clientInfo });
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    return answer.body.value;
  };
  /** The card's updates (PUTs of message `cardId`) until one is the summary. */
  const summaryOf = async (cardId: string) => {
    await expect.poll(() => h.connector.calls.filter((c) => c.method === 'PUT' && c.activityId === cardId).some((c) => textsOf(cardOf(c))[0]!.startsWith('Your appointments') || textsOf(cardOf(c))[0]!.startsWith('你在')), { timeout: 15_000 }).toBe(true);
    return h.connector.calls.filter((c) => c.method === 'PUT' && c.activityId === cardId).map((c) => cardOf(c));
  };

  it('Teams: "Cancel this day" on the list → each ticked appointment cancelled once, the card updated in place from "Cancelled n of 19" to the summary', async () => {
    // A colleague's appointment that day (Megan's, in Contoso, which Adele administers) and one in Fabrikam, where
    // Adele is a team member and it is Isaiah's: neither is hers; only the first may she cancel, as an administrator.
    const megans = addBusyDay(h.graph, { count: 1, staff: [MEGAN_IN_CONTOSO], tag: 'megan' }).appointments[0]!;
    const isaiahs = addBusyDay(h.graph, { count: 1, businessId: FABRIKAM, staff: [ISAIAH_IN_FABRIKAM], tag: 'isaiah' }).appointments[0]!;
    // The first list reads the tenant for Adele's businesses; on a busy machine it may answer before that is done.
    let list = await say(`appointments ${busy.day}`);
    for (let tries = 0; tries < 40 && textsOf(list.card).some((t) => t.startsWith('Still checking')); tries++) {
      await new Promise((r) => setTimeout(r, 250));
      list = await say(`appointments ${busy.day}`);
    }
    const cancelDay = button(list.card, 'Cancel this day');
    expect(cancelDay).toMatchObject({ verb: 'day.cancel.prompt', data: { day: busy.day, scope: 'mine' }, fallback: { type: 'Action.Submit' } });

    const prompt = await press(cancelDay, list.id);
    expect(textsOf(prompt).slice(0, 2)).toEqual([expect.stringMatching(/^Cancel your appointments on \w{3}, \w{3} \d+\?$/), '20 you can cancel · times in America/Chicago']);
    expect(toggles(prompt)).toHaveLength(20);
    expect(JSON.stringify(prompt)).not.toContain(megans.id);
    // An administrator may switch to the whole business: Megan's is offered then; Isaiah's never (Adele is a team member there).
    const whole = await press(button(prompt, 'Whole business'), list.id);
    expect(toggles(whole)).toHaveLength(21);
    expect(textsOf(whole)).toEqual(expect.arrayContaining([expect.stringContaining('Megan Bowen')]));
    expect(JSON.stringify(whole)).not.toContain('Isaiah');
    expect(isaiahs.staffMemberIds).toEqual([ISAIAH_IN_FABRIKAM]);
    const mine = await press(button(whole, 'Only mine'), list.id);
    // The prompt's read is the last Graph read: from Confirm on, each appointment is its cancel POST alone.
    const readsBefore = h.graph.requests.filter((r) => r.method === 'GET').length;

    h.graph.latencyMs = 500;
    const newCards = () => h.connector.calls.filter((c) => c.method === 'POST' && c.activity.attachments).length;
    const cardsBefore = newCards();
    const unticked = busy.appointments[4]!;
    const confirm = button(mine, 'Cancel the ticked appointments');
    const answer = await press(confirm, list.id, inputs(mine, [4]));
    expect(textsOf(answer)[0]).toMatch(/^Cancelling your appointments on/);
    expect(line(answer)).toMatch(/^Cancelled \d+ of 19$/);
    expect(Number(/Cancelled (\d+)/.exec(line(answer)!)![1])).toBeLessThan(19);
    expect(button(answer, 'Refresh')).toMatchObject({ verb: 'day.cancel.progress' });

    const updates = await summaryOf(list.id);
    const summary = updates.at(-1)!;
    expect(textsOf(summary)).toEqual(expect.arrayContaining(['Cancelled 19 of 19', 'Cancelled: 19', 'Already gone: 0', 'Refused: 0', 'Failed: 0', MESSAGE]));
    expect(actionsOf(summary).map((a) => a.title)).toEqual(['Show my appointments']);
    // Progress in between, each update in place (the same message), none as a new message.
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.slice(0, -1).every((card) => /^Cancelled \d+ of 19$/.test(line(card)!))).toBe(true);
    expect(newCards()).toBe(cardsBefore);

    expect(posts()).toHaveLength(19);
    expect(postsTo(unticked.id)).toHaveLength(0);
    expect(h.graph.requests.filter((r) => r.method === 'GET')).toHaveLength(readsBefore);
    expect(h.graph.peakPerMailbox).toBeLessThanOrEqual(4);
    expect(h.graph.store.cancellations.map((c) => c.cancellationMessage)).toEqual(Array(19).fill(MESSAGE));
    // Audit: one entry per appointment, one for the batch with its counts.
    await expect.poll(async () => (await h.audit()).filter((e) => e.outcome === 'batch').map((e) => e.batch)).toEqual([expect.objectContaining({ day: busy.day, round: 0, total: 19, cancelled: 19, failed: 0 })]);
    const audit = await h.audit();
    expect(audit.filter((e) => e.outcome === 'cancelled' && e.batchId)).toHaveLength(19);

    // Teams re-delivers the Confirm later (or the user presses it again): the same batch's summary, nothing sent.
    const again = await press(confirm, list.id, inputs(mine, [4]));
    expect(textsOf(again)).toContain('Cancelled 19 of 19');
    expect(posts()).toHaveLength(19);
    // Nothing went wrong along the way that the bot went on past (a progress save, a card update).
    expect(h.logs.filter((l) => l.includes('failure answered in place') || l.includes('"level":50'))).toEqual([]);
  });

  it('Teams: one 503 and one 404 among 20 — the summary names the failed one and why; "Retry the failed ones" cancels only it', async () => {
    const prompt = await say(`cancel ${busy.day}`);
    expect(textsOf(prompt.card)[0]).toMatch(/^Cancel your appointments on/);
    const [unavailable, gone] = [busy.appointments[6]!, busy.appointments[13]!];
    h.graph.faults.add({ method: 'POST', pathIncludes: unavailable.id, status: 503 });
    h.graph.store.cancel(gone, h.graph.identity.findUser('MeganB@contoso.onmicrosoft.com')!, 'cancelled by Megan', new Date());

    h.graph.latencyMs = 100;
    const answer = await press(button(prompt.card, 'Cancel the ticked appointments'), prompt.id, inputs(prompt.card));
    const summary = line(answer) === 'Cancelled 18 of 20' && textsOf(answer)[0]!.startsWith('Your') ? answer : (await summaryOf(prompt.id)).at(-1)!;
    expect(textsOf(summary)).toEqual(
      expect.arrayContaining([
        'Cancelled 18 of 20',
        'Cancelled: 18',
        'Already gone: 1',
        'Failed: 1',
        'Already cancelled or gone: nothing sent',
        'Not cancelled: Microsoft Bookings could not be reached. Please try again in a moment.',
      ]),
    );
    expect(posts()).toHaveLength(20);

    const retried = await press(button(summary, 'Retry the failed ones'), prompt.id);
    const final = textsOf(retried)[0]!.startsWith('Your') ? retried : (await summaryOf(prompt.id)).at(-1)!;
    expect(textsOf(final)).toEqual(expect.arrayContaining(['Cancelled 19 of 20', 'Cancelled: 19', 'Already gone: 1', 'Failed: 0']));
    expect(actionsOf(final).map((a) => a.title)).toEqual(['Show my appointments']);
    // Only the failed one was sent again; nobody got two messages.
    expect(posts()).toHaveLength(21);
    expect(postsTo(unavailable.id)).toHaveLength(2);
    expect(h.graph.store.cancellations).toHaveLength(20);
    expect(onceEach()).toBe(true);
  });

  it('Teams: a double Confirm (two clicks at once) is one batch: every appointment cancelled once, both clicks answered', async () => {
    const prompt = await say(`cancel ${busy.day}`);
    const confirm = button(prompt.card, 'Cancel the ticked appointments');
    h.graph.latencyMs = 100;
    const [first, second] = await Promise.all([press(confirm, prompt.id, inputs(prompt.card)), press(confirm, prompt.id, inputs(prompt.card))]);
    for (const card of [first, second]) expect(line(card)).toMatch(/^Cancelled \d+ of 20$/);
    await expect.poll(() => h.graph.store.cancellations.length, { timeout: 15_000 }).toBe(20);
    await expect.poll(async () => (await h.audit()).filter((e) => e.outcome === 'batch')).toHaveLength(1);
    expect(posts()).toHaveLength(20);
    expect(onceEach()).toBe(true);
    const audit = await h.audit();
    expect(new Set(audit.filter((e) => e.outcome === 'cancelled').map((e) => e.appointmentId)).size).toBe(20);
    expect(audit.filter((e) => e.outcome === 'cancelled')).toHaveLength(20);
  });

  it('Teams in Chinese: "取消<date>" gives the prompt, the progress and the summary in Chinese', async () => {
    const [, month, day] = busy.day.split('-').map(Number);
    const zh = { locale: 'zh-CN', timezone: 'America/Chicago' };
    const prompt = await say(`取消${month}月${day}日`, zh);
    expect(textsOf(prompt.card)[0]).toBe(`取消你在 ${month}月${day}日周${'日一二三四五六'[new Date(`${busy.day}T12:00:00Z`).getUTCDay()]} 的预约？`);
    expect(textsOf(prompt.card)[1]).toBe('你可以取消 20 个 · 时间按 America/Chicago 显示');
    const message = (prompt.card.body as { id?: string; value?: string }[]).find((b) => b.id === 'cancellationMessage')!.value;
    expect(message).toBe('很抱歉，我们不得不取消你的预约。请重新预约一个方便的时间。');
    const confirm = button(prompt.card, '取消所勾选的预约');
    h.graph.latencyMs = 300;
    const answer = await press(confirm, prompt.id, inputs(prompt.card, [], message), zh);
    expect(textsOf(answer)[0]).toMatch(/^正在取消你在 .* 的预约…$/);
    expect(line(answer)).toMatch(/^已取消 \d+ 个，共 20 个$/);
    expect(button(answer, '刷新')).toBeDefined();
    const summary = (await summaryOf(prompt.id)).at(-1)!;
    expect(textsOf(summary)).toEqual(expect.arrayContaining(['已取消 20 个，共 20 个', '已取消: 20', '失败: 0', '发给客户的消息：', message]));
    expect(actionsOf(summary).map((a) => a.title)).toEqual(['显示我的预约']);
  });

  it('Emulator: the same with Action.Submit — the prompt, then progress and the summary as new cards', async () => {
    const conversation = 'e1b6c1a0-5d1e-11ef-9c1c-1f1e2d3c4b5a|livechat';
    const emulator = (extra: Record<string, unknown>) => h.post(emulatorActivity(conversation, { localTimezone: 'America/Chicago', ...extra }));
    await emulator({ type: 'message', text: `cancel ${busy.day}` });
    const prompt = cardOf((await h.connector.waitForCards(1))[0]!);
    const confirm = button(prompt, 'Cancel the ticked appointments');
    expect(confirm).toMatchObject({ type: 'Action.Submit', data: { verb: 'day.cancel.confirm' } });
    expect(actionsOf(prompt).some((a) => a.type === 'Action.Execute')).toBe(false);

    h.graph.latencyMs = 300;
    await emulator({ type: 'message', value: { ...(confirm.data as object), ...inputs(prompt, [0, 1]) } });
    await expect.poll(() => h.connector.cardCalls().map((c) => textsOf(cardOf(c))[0]).at(-1), { timeout: 15_000 }).toMatch(/^Your appointments on/);
    const cards = h.connector.cardCalls().slice(1);
    // Every answer is a new message: the Emulator cannot update a card.
    expect(h.connector.calls.some((c) => c.method === 'PUT')).toBe(false);
    expect(textsOf(cardOf(cards[0]!))[0]).toMatch(/^Cancelling your appointments on/);
    expect(cards.length).toBeGreaterThanOrEqual(2);
    const summary = cardOf(cards.at(-1)!);
    expect(textsOf(summary)).toEqual(expect.arrayContaining(['Cancelled 18 of 18', 'Cancelled: 18', MESSAGE]));
    expect(actionsOf(summary).every((a) => a.type === 'Action.Submit')).toBe(true);
    expect(posts()).toHaveLength(18);
    expect(postsTo(busy.appointments[0]!.id)).toHaveLength(0);
  });
});
