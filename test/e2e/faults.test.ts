import { afterEach, describe, expect, it } from 'vitest';
import { actionsOf, type BotHarness, type Card, cardOf, emulatorActivity, startBot, teamsActivity, textsOf } from '../helpers/botHarness.js';


/** Every failure leaves the user with a clear card, nothing half done, and the process running. */
describe('Bookings Bot when things go wrong', () => {
  let h: BotHarness;
  afterEach(async () => {
    await h?.stop();
  });

  const invoke = (verb: unknown, data: unknown, actionType = 'Action.Execute') => h.click(verb, data, {}, { actionType });
  const press = (action: Record<string, unknown>, inputs: Record<string, unknown> = {}) => invoke(action.verb, { ...(action.data as object), ...inputs });
  const firstCancel = async () => {
    const list = await invoke('appointments.list', {});
    return actionsOf(list.body.value).find((a) => a.title === 'Cancel')!;
  };
  const promptFor = async () => (await press(await firstCancel())).body.value;
  const confirmOf = (prompt: Card) => actionsOf(prompt).find((a) => a.title === 'Confirm cancellation')!;
  const posts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));

  it('404: confirming a cancel of an appointment that is already gone says so, and Graph cancels nothing', async () => {
    h = await startBot();
    const prompt = await promptFor();
    const confirm = confirmOf(prompt);
    const { businessId, appointmentId } = confirm.data as { businessId: string; appointmentId: string };
    const business = h.graph.store.business(businessId)!;
    h.graph.store.cancel(h.graph.store.appointment(business, appointmentId)!, h.graph.identity.findUser('MeganB@contoso.onmicrosoft.com')!, 'elsewhere', new Date());
    const answer = await press(confirm, { cancellationMessage: 'Sorry' });
    expect(textsOf(answer.body.value)).toContain('This appointment no longer exists. It may already have been cancelled.');
    expect(actionsOf(answer.body.value).map((a) => a.title)).toEqual(['Show my appointments']);
    // Confirm sends only the POST (issue 16): Graph answered it 404, and only the earlier cancel happened.
    expect(posts()).toHaveLength(1);
    expect(h.graph.store.cancellations.map((c) => c.cancellationMessage)).toEqual(['elsewhere']);
  });

  it('a viewer sees no Cancel button, and a forced click is refused politely before anything is sent', async () => {
    h = await startBot({ LOCAL_USER: 'AlexW@contoso.onmicrosoft.com' });
    const list = await invoke('appointments.list', {});
    expect(actionsOf(list.body.value).filter((a) => a.title === 'Cancel' || a.title === 'Whole business')).toEqual([]);
    expect(textsOf(list.body.value)).toContain("View only: your Bookings role in this business can't cancel appointments.");
    const business = h.graph.store.business('ContosoLunchDelivery@contoso.onmicrosoft.com')!;
    const target = h.graph.store.calendarView(business, new Date(), new Date(Date.now() + 14 * 86_400_000))[0]!;
    const data = { businessId: business.id, appointmentId: target.id };
    for (const answer of [await invoke('appointment.cancel.prompt', data), await invoke('appointment.cancel.confirm', { ...data, cancellationMessage: 'Sorry' })]) {
      expect(answer.body.statusCode).toBe(200);
      expect(textsOf(answer.body.value)).toContain("Your Bookings role doesn't allow this. Ask a Bookings administrator or scheduler to do it.");
    }
    expect(posts()).toHaveLength(0);
    expect(h.graph.store.cancellations).toEqual([]);
  });

  it('a user who is staff nowhere gets an explanation instead of an empty list', async () => {
    h = await startBot({ LOCAL_USER: 'LeeG@contoso.onmicrosoft.com' });
    const list = await invoke('appointments.list', {});
    expect(textsOf(list.body.value)).toContain(
      'You are not a staff member of any Microsoft Bookings business, so there are no appointments to show. Ask a Bookings administrator to add you as staff.',
    );
  });

  it('429 on reads is waited out (Retry-After) and the list still arrives', async () => {
    h = await startBot();
    h.graph.faults.add({ method: 'GET', pathIncludes: 'calendarView', status: 429, retryAfterSeconds: 1 });
    const list = await invoke('appointments.list', {});
    expect(textsOf(list.body.value)[0]).toBe('Your upcoming appointments');
    expect(actionsOf(list.body.value).some((a) => a.title === 'Cancel')).toBe(true);
  });

  it('429 on the cancel is not retried blindly: the user is told to wait, and "Try again" then cancels once', async () => {
    h = await startBot();
    const prompt = await promptFor();
    h.graph.faults.add({ method: 'POST', pathIncludes: '/cancel', status: 429, retryAfterSeconds: 7 });
    const throttled = await press(confirmOf(prompt), { cancellationMessage: 'Sorry, fully booked' });
    expect(textsOf(throttled.body.value)).toContain('Microsoft Bookings is busy right now. Please try again in 7 seconds.');
    expect(h.graph.store.cancellations).toEqual([]);
    const retry = actionsOf(throttled.body.value).find((a) => a.title === 'Try again')!;
    expect(retry).toMatchObject({ verb: 'appointment.cancel.confirm', data: { cancellationMessage: 'Sorry, fully booked' } });
    const done = await press(retry);
    expect(textsOf(done.body.value)).toContain('✓ Appointment cancelled');
    expect(h.graph.store.cancellations).toHaveLength(1);
    expect(posts()).toHaveLength(2);
  });

  it('503 that persists ends with a clear answer after bounded retries', async () => {
    h = await startBot({ GRAPH_MAX_RETRIES: '2' });
    h.graph.faults.add({ method: 'GET', status: 503, retryAfterSeconds: 0, times: Infinity });
    const list = await invoke('appointments.list', {});
    expect(textsOf(list.body.value)).toEqual(expect.arrayContaining(["Couldn't show your appointments", 'Microsoft Bookings could not be reached. Please try again in a moment.']));
    expect(actionsOf(list.body.value).map((a) => a.title)).toEqual(['Try again']);
    // Each read it tried was sent exactly three times (the first attempt and GRAPH_MAX_RETRIES=2 retries), no more.
    const attempts = () => {
      const perPath = new Map<string, number>();
      for (const r of h.graph.requests) perPath.set(r.path, (perPath.get(r.path) ?? 0) + 1);
      return [...perPath.values()];
    };
    await expect.poll(attempts).toEqual([3, 3]);
  });

  it('a Graph timeout on the cancel is answered in time, and "Try again" recognises the cancel that landed late', async () => {
    h = await startBot({ GRAPH_TIMEOUT_MS: '300' });
    const prompt = await promptFor();
    h.graph.faults.add({ method: 'POST', pathIncludes: '/cancel', delayMs: 800 });
    const started = Date.now();
    const slow = await press(confirmOf(prompt), { cancellationMessage: 'Sorry, closed' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(textsOf(slow.body.value)).toContain('Microsoft Bookings did not answer in time. Please try again; if the first attempt went through, I will tell you.');
    // The slow request still lands at Graph after the bot stopped waiting.
    await expect.poll(() => h.graph.store.cancellations.length, { timeout: 3000 }).toBe(1);
    const retry = await press(actionsOf(slow.body.value).find((a) => a.title === 'Try again')!);
    expect(textsOf(retry.body.value)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, closed']));
    expect(posts()).toHaveLength(1);
  });

  it('a Graph that hangs: a typed request gets the typing indicator, then the timeout answer once the turn budget is spent', async () => {
    // Each call may take 8 s, but the turn as a whole only 1 s: the answer comes from the turn budget.
    h = await startBot({ GRAPH_TIMEOUT_MS: '8000', TURN_TIMEOUT_MS: '1000' });
    h.graph.faults.add({ method: 'GET', delayMs: 30_000, times: Infinity });
    const started = performance.now();
    await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
    const [card] = await h.connector.waitForCards(1);
    // The turn's 1 s budget ended it, not one call's 8 s, nor Graph's 30 s.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(h.connector.calls[0]!.activity.type).toBe('typing');
    expect(textsOf(cardOf(card!))).toContain('Microsoft Bookings did not answer in time. Please try again; if the first attempt went through, I will tell you.');
    expect(actionsOf(cardOf(card!)).map((a) => a.title)).toContain('Try again');
  });

  it('an empty or over-long message brings the prompt back with the reason and the text kept; nothing is sent', async () => {
    h = await startBot();
    const prompt = await promptFor();
    const empty = await press(confirmOf(prompt), { cancellationMessage: '   ' });
    expect(textsOf(empty.body.value)).toContain('⚠ Write a message for the customer before confirming.');
    const long = 'x'.repeat(600);
    const tooLong = await press(confirmOf(prompt), { cancellationMessage: long });
    expect(textsOf(tooLong.body.value)).toContain('⚠ The message is too long. Use at most 500 characters.');
    const input = (tooLong.body.value.body as Record<string, unknown>[]).find((b) => b.type === 'Input.Text')!;
    expect(input.value).toBe(long);
    expect(posts()).toHaveLength(0);
  });

  it('forged ids are answered like a missing appointment; malformed actions get 400 with a reason', async () => {
    h = await startBot();
    const forged = await invoke('appointment.cancel.confirm', { businessId: 'Evil@contoso.onmicrosoft.com', appointmentId: 'AAMkAD=', cancellationMessage: 'x' });
    expect(textsOf(forged.body.value)).toContain('This appointment no longer exists. It may already have been cancelled.');
    // A path in place of an id never reaches Graph: an id with "/" is refused before anything is sent.
    const before = h.graph.requests.length;
    const traversal = await invoke('appointment.cancel.prompt', { businessId: 'ContosoLunchDelivery@contoso.onmicrosoft.com', appointmentId: '../../me' });
    expect(textsOf(traversal.body.value)).toContain("Microsoft Graph can't open this appointment by its id, so I can't show its details or cancel it. Open it in Bookings to do that.");
    expect(h.graph.requests.slice(before).some((r) => decodeURIComponent(r.path).includes('..'))).toBe(false);

    for (const [verb, data, type] of [
      ['appointment.cancel.confirm', { businessId: 'ContosoLunchDelivery@contoso.onmicrosoft.com' }, 'Action.Execute'],
      ['appointment.delete', {}, 'Action.Execute'],
      // Verbs named like Object's own properties: no schema of Object's is taken for the verb's.
      ['constructor', {}, 'Action.Execute'],
      ['__proto__', {}, 'Action.Execute'],
      ['toString', {}, 'Action.Execute'],
      ['appointments.list', { offset: 'lots' }, 'Action.Execute'],
      ['appointments.list', {}, 'Action.Submit'],
      [{ nested: true }, [], 'Action.Execute'],
    ] as const) {
      const answer = await invoke(verb, data, type);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'invalidAction', message: 'That button no longer works. Show your appointments again to get a fresh card.' } });
    }
    expect(posts()).toHaveLength(0);
  });

  it('garbage on the wire never takes the process down', async () => {
    h = await startBot();
    const raw = await fetch(`${h.bot.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type": "message", ' });
    expect(raw.status).toBe(400);
    const noValue = await h.post(teamsActivity({ type: 'invoke', name: 'adaptiveCard/action' }));
    expect(noValue.status).toBe(400);
    const submitJunk = await h.post(emulatorActivity('c', { type: 'message', value: { verb: 'appointment.cancel.prompt', businessId: 42 } }));
    expect(submitJunk.status).toBe(200);
    const [card] = await h.connector.waitForCards(1);
    expect(textsOf(cardOf(card!))).toContain('That button no longer works. Show your appointments again to get a fresh card.');
    expect((await fetch(`${h.bot.url}/healthz`)).status).toBe(200);
  });

  it('logs no token, cancellation message or customer contact detail through a whole flow', async () => {
    h = await startBot();
    const prompt = await promptFor();
    h.graph.faults.add({ method: 'POST', pathIncludes: '/cancel', status: 503 });
    await press(confirmOf(prompt), { cancellationMessage: 'Secret reason 12345' });
    await press(confirmOf(prompt), { cancellationMessage: 'Secret reason 12345' });
    const logs = h.logs.join('');
    expect(logs).toContain('action failed');
    expect(logs).not.toMatch(/Bearer|eyJ[\w-]{10,}/);
    expect(logs).not.toContain('Secret reason 12345');
    expect(logs).not.toMatch(/jordanm@|@example\.|555-0199|\+86 /);
  });
});
