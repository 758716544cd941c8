import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type BotHarness, cardOf, type ClientInfo, startBot, teamsActivity, textsOf } from '../helpers/botHarness.js';


/** Teams: Universal Actions (adaptiveCard/action invokes) whose answer replaces the clicked card in place. */
describe('Bookings Bot in Teams (personal chat, local Graph)', () => {
  let h: BotHarness;
  let listMessageId: string;

  /** Presses an Action.Execute the way Teams does: an invoke carrying verb and data (inputs merged into data). */
  const press = (action: Record<string, unknown>, inputs: Record<string, unknown> = {}, clientInfo: ClientInfo = {}) => {
    expect(action.type).toBe('Action.Execute');
    return h.click(action.verb, { ...(action.data as object), ...inputs }, { replyToId: listMessageId }, { clientInfo });
  };

  const listCard = async (clientInfo = {}) => {
    const before = h.connector.cardCalls().length;
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }, clientInfo));
    const calls = await h.connector.waitForCards(before + 1);
    listMessageId = calls.at(-1)!.activity.id!;
    return cardOf(calls.at(-1)!);
  };

  beforeEach(async () => {
    h = await startBot({ LIST_PAGE_SIZE: '4' });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('shows Action.Execute buttons with Action.Submit fallbacks, in the time zone Teams reports', async () => {
    const list = await listCard();
    expect(textsOf(list)).toContain('Next 14 days · times in America/Chicago');
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    expect(cancel).toMatchObject({ type: 'Action.Execute', verb: 'appointment.cancel.prompt' });
    expect(cancel.fallback).toMatchObject({ type: 'Action.Submit', title: 'Cancel', data: { verb: 'appointment.cancel.prompt', ...(cancel.data as object) } });
    expect(Object.keys(cancel.data as object).sort()).toEqual(['appointmentId', 'businessId', 'lang']);
  });

  it('walks list → Cancel → message → Confirm with each card replaced in place, and the appointment is gone', async () => {
    const list = await listCard();
    const cardsBefore = h.connector.cardCalls().length;
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const { appointmentId } = cancel.data as { appointmentId: string };

    const prompt = await press(cancel);
    expect(prompt.status).toBe(200);
    expect(prompt.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(textsOf(prompt.body.value)[0]).toBe('Cancel this appointment?');

    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    expect(confirm).toMatchObject({ verb: 'appointment.cancel.confirm', associatedInputs: 'auto', style: 'destructive' });
    const outcome = await press(confirm, { cancellationMessage: 'Our chef is ill today. Sorry!' });
    expect(textsOf(outcome.body.value)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Our chef is ill today. Sorry!']));
    // Invokes are answered in the HTTP response: no extra messages piled into the chat.
    expect(h.connector.cardCalls()).toHaveLength(cardsBefore);
    expect(h.graph.store.cancellations).toMatchObject([{ appointmentId, cancellationMessage: 'Our chef is ill today. Sorry!' }]);

    const after = await listCard();
    const allIds = async () => {
      const ids: string[] = [];
      let card = after;
      for (;;) {
        ids.push(...actionsOf(card).filter((a) => a.title === 'Cancel').map((a) => (a.data as { appointmentId: string }).appointmentId));
        const more = actionsOf(card).find((a) => a.title === 'Show more');
        if (!more) return ids;
        card = (await press(more)).body.value;
      }
    };
    const remaining = await allIds();
    expect(remaining.length).toBeGreaterThan(4); // paging through "Show more" works
    expect(remaining).not.toContain(appointmentId);
  });

  it('a double click on Confirm cancels once and both clicks get the cancelled card', async () => {
    const list = await listCard();
    const prompt = await press(actionsOf(list).find((a) => a.title === 'Cancel')!);
    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    const [first, second] = await Promise.all([press(confirm, { cancellationMessage: 'Sorry' }), press(confirm, { cancellationMessage: 'Sorry' })]);
    const late = await press(confirm, { cancellationMessage: 'A different text' });
    for (const r of [first, second, late]) expect(textsOf(r.body.value)[0]).toBe('✓ Appointment cancelled');
    expect(textsOf(late.body.value)).toContain('Sorry');
    expect(h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toHaveLength(1);
  });

  it('a click on a stale card (appointment cancelled elsewhere) gets a clear answer and a way back', async () => {
    const list = await listCard();
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const { businessId, appointmentId } = cancel.data as { businessId: string; appointmentId: string };
    const business = h.graph.store.business(businessId)!;
    h.graph.store.cancel(h.graph.store.appointment(business, appointmentId)!, h.graph.identity.findUser('MeganB@contoso.onmicrosoft.com')!, 'by Megan', new Date());

    const stale = await press(cancel);
    expect(stale.body.statusCode).toBe(200);
    expect(textsOf(stale.body.value)).toEqual(expect.arrayContaining(["Couldn't cancel the appointment", 'This appointment no longer exists. It may already have been cancelled.']));
    expect(textsOf(stale.body.value).some((t) => /^Reference: [0-9a-f-]{36}$/.test(t))).toBe(true);
    expect(actionsOf(stale.body.value).map((a) => a.title)).toEqual(['Show my appointments']);
    expect(h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toHaveLength(0);
  });

  it('updates the clicked card (PUT replyToId) when Teams sends an Action.Submit fallback click', async () => {
    const list = await listCard();
    const cancel = actionsOf(list).find((a) => a.title === 'Cancel')!;
    await h.post(teamsActivity({ type: 'message', replyToId: listMessageId, value: (cancel.fallback as { data: object }).data }));
    const calls = await h.connector.waitForCards(2);
    expect(calls[1]).toMatchObject({ method: 'PUT', activityId: listMessageId });
    expect(textsOf(cardOf(calls[1]!))[0]).toBe('Cancel this appointment?');
  });

  it('speaks Chinese to a zh-CN client, with dates in its time zone', async () => {
    const zh = { locale: 'zh-CN', timezone: 'Asia/Shanghai' };
    const list = await listCard(zh);
    expect(textsOf(list)[0]).toBe('你即将到来的预约');
    expect(textsOf(list)).toContain('未来 14 天 · 时间按 Asia/Shanghai 显示');
    expect(textsOf(list).some((t) => /\d+月\d+日/.test(t))).toBe(true);
    const prompt = await press(actionsOf(list).find((a) => a.title === '取消')!, {}, zh);
    expect(textsOf(prompt.body.value)[0]).toBe('取消此预约？');
    expect(actionsOf(prompt.body.value).map((a) => a.title)).toEqual(['确认取消', '返回']);
  });

  it('answers Chinese text in Chinese, and a click in the language of the clicked card, whatever the client says', async () => {
    // The Agents Playground reports en-US on every activity; the user's words and the card's language decide.
    const before = h.connector.cardCalls().length;
    await h.post(teamsActivity({ type: 'message', text: '预约' }, { locale: 'en-US' }));
    const list = cardOf((await h.connector.waitForCards(before + 1)).at(-1)!);
    expect(textsOf(list)[0]).toBe('你即将到来的预约');
    const cancel = actionsOf(list).find((a) => a.title === '取消')!;
    expect(cancel.data).toMatchObject({ lang: 'zh-CN' });
    const prompt = await press(cancel, {}, { locale: 'en-US' });
    expect(textsOf(prompt.body.value)[0]).toBe('取消此预约？');
    const english = await listCard({ locale: 'en-US' });
    expect(textsOf(english)[0]).toBe('Your upcoming appointments');
  });

  it('logs each action with its own time and the part spent waiting on Graph (parallel calls counted once)', async () => {
    h.graph.faults.add({ method: 'GET', pathIncludes: 'calendarView', delayMs: 120, times: Infinity });
    await listCard();
    const line = h.logs.map((l) => JSON.parse(l) as { msg: string; verb?: string; ms: number; graphMs: number; graphCalls: number }).find((l) => l.msg === 'action handled')!;
    expect(line.verb).toBe('appointments.list');
    expect(line.graphCalls).toBeGreaterThanOrEqual(6);
    expect(line.graphMs).toBeGreaterThanOrEqual(120);
    expect(line.ms).toBeGreaterThanOrEqual(line.graphMs);
  });

  it('gives list cards a refresh for the user alone, and a refresh shows current data', async () => {
    const list = await listCard();
    const from = (teamsActivity({}).from as { id: string }).id;
    expect(list.refresh).toEqual({ action: { type: 'Action.Execute', verb: 'appointments.list', data: { offset: 0, range: 'upcoming', scope: 'mine', business: 'all', lang: 'en-US' } }, userIds: [from] });
    const first = actionsOf(list).find((a) => a.title === 'Cancel')!;
    const { businessId, appointmentId } = first.data as { businessId: string; appointmentId: string };
    const business = h.graph.store.business(businessId)!;
    h.graph.store.cancel(h.graph.store.appointment(business, appointmentId)!, h.graph.identity.findUser('MeganB@contoso.onmicrosoft.com')!, 'elsewhere', new Date());
    const refresh = list.refresh as { action: { verb: string; data: Record<string, unknown> } };
    const refreshed = (await h.click(refresh.action.verb, refresh.action.data, {}, { trigger: 'automatic' })).body.value;
    expect(actionsOf(refreshed).some((a) => (a.data as { appointmentId?: string } | undefined)?.appointmentId === appointmentId)).toBe(false);
  });

  it('in a group chat shows nobody\'s appointments: a private stand-in that Teams refreshes into the list for the asker only', async () => {
    const group = { conversation: { id: '19:group-chat-id@thread.v2', conversationType: 'groupChat', isGroup: true, tenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' } };
    await h.post(teamsActivity({ type: 'message', text: 'appointments', ...group }));
    const [call] = await h.connector.waitForCards(1);
    const card = cardOf(call!);
    expect(textsOf(card)[0]).toBe('Your appointments are private');
    expect(JSON.stringify(card)).not.toMatch(/Jordan|Wang|Amelia|Catered|Consultation/i);
    expect(h.graph.requests).toEqual([]);
    const from = (teamsActivity({}).from as { id: string }).id;
    const refresh = card.refresh as { action: { verb: string; data: Record<string, unknown> }; userIds: string[] };
    expect(refresh.userIds).toEqual([from]);
    const answer = await h.click(refresh.action.verb, refresh.action.data, group, { trigger: 'automatic' });
    expect(textsOf(answer.body.value)[0]).toBe('Your upcoming appointments');
  });

  /** An upcoming appointment of Adele's with both kinds of notes (the seed puts them on some appointments). */
  const annotatedAppointment = () => {
    const business = h.graph.store.business('ContosoLunchDelivery@contoso.onmicrosoft.com')!;
    return h.graph.store
      .calendarView(business, new Date(), new Date(Date.now() + 14 * 86_400_000))
      .find((a) => a.serviceNotes && a.customerNotes && a.staffMemberIds.includes('8ee1c803-a1fa-406d-8259-7ab53233f148'))!;
  };
  const details = (data: Record<string, unknown>, extra: Record<string, unknown> = {}, clientInfo: ClientInfo = {}) => h.click('appointment.details', data, extra, { clientInfo });

  it('shows Details read by id: notes, location, price, phone in a personal chat, with Cancel and Back', async () => {
    const list = await listCard();
    const detailsButton = actionsOf(list).find((a) => a.title === 'Details')!;
    expect(detailsButton).toMatchObject({ type: 'Action.Execute', verb: 'appointment.details', fallback: { type: 'Action.Submit' } });
    const target = annotatedAppointment();
    const answer = await details({ businessId: target.businessId, appointmentId: target.id });
    const texts = textsOf(answer.body.value);
    expect(texts[0]).toBe('Appointment details');
    expect(texts).toEqual(expect.arrayContaining(['Customer: Jordan Miller', 'Phone: 213-555-0199', 'Service notes', target.serviceNotes!, 'Customer notes', target.customerNotes!, `Price: ${target.service.price.toFixed(2)}`]));
    expect(JSON.stringify(answer.body.value)).not.toContain('jordanm@contoso.com');
    expect(h.graph.requests.some((r) => r.method === 'GET' && r.path.includes('/appointments/'))).toBe(true);
    expect(actionsOf(answer.body.value).map((a) => a.title)).toEqual(expect.arrayContaining(['Cancel', 'Back']));
  });

  it('leaves the customer\'s phone out of Details anywhere others can read, and speaks Chinese', async () => {
    const target = annotatedAppointment();
    const group = { conversation: { id: '19:group@thread.v2', conversationType: 'groupChat', isGroup: true } };
    const shared = await details({ businessId: target.businessId, appointmentId: target.id }, group);
    expect(JSON.stringify(shared.body.value)).not.toContain('213-555-0199');
    const chinese = await details({ businessId: target.businessId, appointmentId: target.id, lang: 'zh-CN' });
    expect(textsOf(chinese.body.value)).toEqual(expect.arrayContaining(['预约详细信息', '服务备注', '客户备注']));
  });

  it('lists the days asked for ("appointments tomorrow", "明天的预约"), in the user\'s zone, grouped by day', async () => {
    // A fixed Monday morning in Chicago: the seed (which follows the clock) has appointments on the Tuesday.
    await h.stop();
    h = await startBot({ LIST_PAGE_SIZE: '4' }, () => new Date('2026-03-02T14:00:00Z'));
    await h.post(teamsActivity({ type: 'message', text: 'appointments tomorrow' }));
    const card = cardOf((await h.connector.waitForCards(1)).at(-1)!);
    const texts = textsOf(card);
    expect(texts[1]).toBe('Tomorrow · times in America/Chicago');
    expect(texts.filter((text) => /^[A-Z][a-z]{2}, [A-Z][a-z]{2} \d+$/.test(text))).toEqual(['Tue, Mar 3']);
    expect(actionsOf(card).filter((a) => a.title === 'Details').length).toBeGreaterThan(0);
    const more = actionsOf(card).find((a) => a.title === 'Show more');
    if (more) expect(more.data).toMatchObject({ range: 'tomorrow' });

    await h.post(teamsActivity({ type: 'message', text: '明天的预约' }, { locale: 'zh-CN' }));
    const chinese = textsOf(cardOf((await h.connector.waitForCards(2)).at(-1)!));
    expect(chinese[1]).toBe('明天 · 时间按 America/Chicago 显示');
    expect(chinese).toContain('3月3日周二');

    // A weekday is a day; a date the bot cannot read gets the forms it can, not a business search.
    await h.post(teamsActivity({ type: 'message', text: 'appointments next tuesday' }));
    expect(textsOf(cardOf((await h.connector.waitForCards(3)).at(-1)!))).toContain('Tue, Mar 3');
    await h.post(teamsActivity({ type: 'message', text: 'appointments feb 30' }));
    expect(textsOf(cardOf((await h.connector.waitForCards(4)).at(-1)!))).toContain('Sorry, I didn\'t understand "appointments feb 30".');
    await h.post(teamsActivity({ type: 'message', text: 'appointments northwind' }));
    expect(textsOf(cardOf((await h.connector.waitForCards(5)).at(-1)!))).toContain(
      'You are not staff in a business called "northwind". Yours: Contoso Lunch Delivery, Fabrikam Wellness Clinic.',
    );
  });

  it('lets an administrator switch to the whole business and back; a team member\'s other businesses stay "mine"', async () => {
    const list = await listCard();
    const mine = actionsOf(list).filter((a) => a.title === 'Details').length;
    const whole = actionsOf(list).find((a) => a.title === 'Whole business')!;
    expect(whole).toMatchObject({ verb: 'appointments.list', data: { scope: 'business', offset: 0, range: 'upcoming' } });
    const answer = await press(whole);
    const card = answer.body.value;
    expect(textsOf(card)[0]).toBe('Upcoming appointments in your businesses');
    const now = new Date();
    const fortnight = new Date(Date.now() + 14 * 86_400_000);
    const store = h.graph.store;
    const contoso = store.calendarView(store.business('ContosoLunchDelivery@contoso.onmicrosoft.com')!, now, fortnight).filter((a) => a.end > now);
    const adeleInFabrikam = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e';
    const fabrikam = store
      .calendarView(store.business('FabrikamWellness@contoso.onmicrosoft.com')!, now, fortnight)
      .filter((a) => a.end > now && (a.staffMemberIds.length === 0 || a.staffMemberIds.includes(adeleInFabrikam)));
    const total = (texts: string[]) => Number(/of (\d+)$/.exec(texts.find((x) => / of \d+$/.test(x))!)![1]);
    // Everyone's appointments in Contoso (she administers it), still only hers in Fabrikam (she is a team member there).
    expect(total(textsOf(card))).toBe(contoso.length + fabrikam.length);
    expect(total(textsOf(card))).toBeGreaterThan(total(textsOf(list)));
    expect(actionsOf(card).find((a) => a.title === 'Only mine')).toMatchObject({ data: { scope: 'mine' } });
    expect(actionsOf(card).find((a) => a.title === 'Show more')).toMatchObject({ data: { scope: 'business', offset: 4 } });
    expect(mine).toBe(4);
  });

  it('switches between businesses from the card or by name, and remembers the choice for the next list', async () => {
    const list = await listCard();
    const fabrikamSwitch = actionsOf(list).find((a) => a.title === 'Fabrikam Wellness Clinic')!;
    expect(fabrikamSwitch).toMatchObject({ verb: 'appointments.list', data: { business: 'FabrikamWellness@contoso.onmicrosoft.com' } });
    const fabrikam = (await press(fabrikamSwitch)).body.value;
    expect(textsOf(fabrikam)).toContain('Only Fabrikam Wellness Clinic');
    expect(textsOf(fabrikam).filter((x) => x.startsWith('Business: ') && x !== 'Business: Fabrikam Wellness Clinic')).toEqual([]);
    expect(actionsOf(fabrikam).map((a) => a.title)).toEqual(expect.arrayContaining(['All businesses', 'Contoso Lunch Delivery']));

    // Remembered: a plain "appointments" shows Fabrikam again.
    const again = await listCard();
    expect(textsOf(again)).toContain('Only Fabrikam Wellness Clinic');
    // By name, case-insensitive, and remembered too; "All businesses" goes back.
    const before = h.connector.cardCalls().length;
    await h.post(teamsActivity({ type: 'message', text: 'appointments CONTOSO' }));
    const contoso = cardOf((await h.connector.waitForCards(before + 1)).at(-1)!);
    expect(textsOf(contoso)).toContain('Only Contoso Lunch Delivery');
    const all = (await press(actionsOf(contoso).find((a) => a.title === 'All businesses')!)).body.value;
    expect(textsOf(all)).toEqual(expect.arrayContaining(['Business: Contoso Lunch Delivery', 'Business: Fabrikam Wellness Clinic']));
    expect(textsOf(await listCard()).some((x) => x.startsWith('Only '))).toBe(false);
  });
});
