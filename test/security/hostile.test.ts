import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type BotHarness, cardOf, emulatorActivity, startBot, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { CONTOSO } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';

const SOMETHING_WENT_WRONG = 'Something went wrong on my side. Please try again.';

/** Posts a raw body with a given content type (as a web page, curl or a broken client would). */
async function postRaw(url: string, body: string | FormData, contentType?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/api/messages`, { method: 'POST', headers: { ...(contentType ? { 'Content-Type': contentType } : {}), ...headers }, body });
  return { status: response.status, text: await response.text() };
}

/** What a cross-site form post would carry: an Emulator Confirm click, flattened into form fields. */
function formFieldsOf(activity: Record<string, unknown>, prefix = ''): [string, string][] {
  return Object.entries(activity).flatMap(([key, value]) => {
    const name = prefix ? `${prefix}[${key}]` : key;
    return value !== null && typeof value === 'object' ? formFieldsOf(value as Record<string, unknown>, name) : [[name, String(value)] as [string, string]];
  });
}

describe('cross-site posts: /api/messages takes application/json only', () => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBot();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('answers form, multipart, text and untyped bodies with 415 before anything runs; the same click as JSON cancels', async () => {
    const target = h.graph.store.calendarView(h.graph.store.business(CONTOSO)!, new Date(0), new Date(Date.now() + 30 * 864e5))[0]!;
    const click = {
      ...emulatorActivity('cross-site', { type: 'message', value: { verb: 'appointment.cancel.confirm', businessId: CONTOSO, appointmentId: target.id, cancellationMessage: 'Gone' } }),
      serviceUrl: h.connector.url,
    };
    const form = new URLSearchParams(formFieldsOf(click)).toString();
    const multipart = new FormData();
    for (const [name, value] of formFieldsOf(click)) multipart.append(name, value);
    const attempts: [string, string | FormData, string | undefined][] = [
      ['form', form, 'application/x-www-form-urlencoded'],
      ['multipart', multipart, undefined], // fetch sets multipart/form-data with its boundary
      ['text', JSON.stringify(click), 'text/plain'],
      ['text with charset', JSON.stringify(click), 'text/plain;charset=UTF-8'],
      ['no content type', JSON.stringify(click), undefined],
      ['json look-alike', JSON.stringify(click), 'application/jsonp'],
      ['activity+json', JSON.stringify(click), 'application/activity+json'],
    ];
    for (const [name, body, type] of attempts) {
      const answer = await postRaw(h.bot.url, body, type);
      expect(answer.status, name).toBe(415);
      expect(JSON.parse(answer.text)).toEqual({ error: 'Unsupported media type: send application/json.' });
    }
    expect(h.graph.requests).toEqual([]);
    expect(h.connector.calls).toEqual([]);

    // The control: the very same click as JSON (any charset, any case) does what a click does, with the grant of the
    // prompt it came from (a confirm without one only asks to confirm again).
    await h.post(emulatorActivity('cross-site', { type: 'message', value: { verb: 'appointment.cancel.prompt', businessId: CONTOSO, appointmentId: target.id } }));
    const [promptCall] = await h.connector.waitForCards(1);
    const { grant } = actionsOf(cardOf(promptCall!)).find((a) => a.title === 'Confirm cancellation')!.data as { grant: string };
    const granted = { ...click, value: { ...((click as Record<string, unknown>).value as object), grant } };
    expect((await postRaw(h.bot.url, JSON.stringify(granted), 'Application/JSON; charset=utf-8')).status).toBe(200);
    expect(h.graph.store.cancellations).toMatchObject([{ appointmentId: target.id }]);
  });

  it('gives the local demo data new appointment ids at every start, so none can be guessed from the source', async () => {
    const other = await startBot();
    try {
      const idsOf = (b: BotHarness) => new Set(b.graph.store.calendarView(b.graph.store.business(CONTOSO)!, new Date(0), new Date(Date.now() + 30 * 864e5)).map((a) => a.id));
      const [mine, theirs] = [idsOf(h), idsOf(other)];
      expect(mine.size).toBeGreaterThan(5);
      expect([...mine].filter((id) => theirs.has(id))).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});

/** Every malformed shape of request we could think of: each gets a 4xx (or an ordinary answer), never a 5xx. */
const MALFORMED: [string, number, unknown][] = [
  ['no type', 400, { type: undefined }],
  ['type is a number', 400, { type: 7 }],
  ['type is empty', 400, { type: '' }],
  ['no from', 400, { from: undefined }],
  ['from is null', 400, { from: null }],
  ['from has no id', 400, { from: { name: 'x' } }],
  ['from.id is a number', 400, { from: { id: 42 } }],
  ['no recipient', 400, { recipient: undefined }],
  ['recipient is a string', 400, { recipient: 'bot' }],
  ['no conversation', 400, { conversation: undefined }],
  ['conversation has no id', 400, { conversation: { conversationType: 'personal' } }],
  ['conversation.isGroup is a string', 400, { conversation: { id: 'c', isGroup: 'yes' } }],
  ['no serviceUrl', 400, { serviceUrl: undefined }],
  ['serviceUrl is not a URL', 400, { serviceUrl: 'not a url' }],
  ['serviceUrl is not http', 400, { serviceUrl: 'file:///etc/passwd' }],
  ['no channelId', 400, { channelId: undefined }],
  ['text is a number', 400, { text: 42 }],
  ['text of 200,000 characters', 400, { text: 'a'.repeat(200_000) }],
  ['entities is a string', 400, { entities: 'clientInfo' }],
  ['entities holds null', 400, { entities: [null] }],
  ['membersAdded is a string', 400, { type: 'conversationUpdate', membersAdded: 'everyone' }],
  ['membersAdded holds a member without id', 400, { type: 'conversationUpdate', membersAdded: [{}] }],
  ['channelData is a string', 400, { channelData: 'tenant' }],
  ['attachments is an object', 400, { attachments: { a: 1 } }],
  ['replyToId is an object', 400, { replyToId: {} }],
  ['locale is a number', 400, { locale: 5 }],
  ['an unknown invoke', 400, { type: 'invoke', name: 'composeExtension/query', text: undefined }],
  ['an invoke without a name', 400, { type: 'invoke', text: undefined }],
  ['a card action whose value is a string', 400, { type: 'invoke', name: 'adaptiveCard/action', value: 'click', text: undefined }],
  ['a card action whose data is a string', 400, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'appointments.list', data: 'x' } }, text: undefined }],
  ['a card action with an unknown verb', 400, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'admin.deleteAll', data: {} } }, text: undefined }],
  ['a card action with an id of 10,000 characters', 400, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'appointment.details', data: { businessId: CONTOSO, appointmentId: 'A'.repeat(10_000) } } }, text: undefined }],
  ['a token exchange whose value is null', 200, { type: 'invoke', name: 'signin/tokenExchange', value: null, text: undefined }],
  ['a verifyState whose state is an object', 404, { type: 'invoke', name: 'signin/verifyState', value: { state: { code: 1 } }, text: undefined }],
  ['an unknown activity type', 200, { type: 'somethingNew' }],
  ['a submit with an unknown verb', 200, { value: { verb: 'nope' }, text: undefined }],
  ['a timestamp that is not a date', 200, { timestamp: 'yesterday' }],
];

describe('malformed activities: a 4xx or an ordinary answer, never a 5xx, and the next turn still works (local mode)', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBot();
  });
  afterAll(async () => {
    await h.stop();
  });

  const valid = () => ({ id: randomUUID(), serviceUrl: h.connector.url, ...teamsActivity({ type: 'message', text: 'appointments' }) });

  it.each(MALFORMED)('%s → %i', async (_name, status, change) => {
    const start = h.connector.calls.length;
    const answer = await postRaw(h.bot.url, JSON.stringify({ ...valid(), ...(change as object) }), 'application/json');
    expect(answer.status).toBe(status);
    if (status === 400) expect(answer.text).not.toMatch(/stack|Error:|at \//);
    expect(h.connector.calls.slice(start).some((c) => c.activity.text === SOMETHING_WENT_WRONG || (c.activity.attachments?.length && textsOf(cardOf(c)).includes(SOMETHING_WENT_WRONG)))).toBe(false);

    const before = h.connector.cardCalls().length;
    expect((await postRaw(h.bot.url, JSON.stringify(valid()), 'application/json')).status).toBe(200);
    const [next] = (await h.connector.waitForCards(before + 1)).slice(-1);
    expect(textsOf(cardOf(next!))[0]).toBe('Your upcoming appointments');
  });

  it('answers activity types named like Object properties as any unknown type: no route of Object\'s runs', async () => {
    for (const type of ['constructor', '__proto__', 'hasOwnProperty', 'toString']) {
      const answer = await postRaw(h.bot.url, JSON.stringify({ ...valid(), type }), 'application/json');
      expect([200, 400], type).toContain(answer.status);
    }
    expect(h.logs.join('')).not.toContain('unhandled turn error');
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"activity"'],
    ['null', 'null'],
    ['not JSON', '{"type": "message",'],
    ['empty', ''],
    ['nested 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000)],
  ])('a body that is %s → 400', async (_name, body) => {
    const answer = await postRaw(h.bot.url, body, 'application/json');
    expect(answer.status).toBe(400);
  });

  it('a body over 256 KiB → 413', async () => {
    expect((await postRaw(h.bot.url, JSON.stringify({ ...valid(), text: 'a'.repeat(300_000) }), 'application/json')).status).toBe(413);
  });

  it('a Content-Length over 256 KiB → 413 at once, before any of the body is sent', async () => {
    const { port } = new URL(h.bot.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(`POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
    const [first] = (await once(socket, 'data')) as [Buffer];
    socket.destroy();
    expect(first.toString('latin1')).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('a compressed body → 415: no channel compresses what it posts', async () => {
    const response = await fetch(`${h.bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: gzipSync(JSON.stringify(valid())),
    });
    expect(response.status).toBe(415);
  });
});

describe('malformed activities with a correctly signed token (production mode)', () => {
  let h: ProductionHarness;
  beforeAll(async () => {
    h = await startProductionBot();
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each(MALFORMED.filter(([, status]) => status === 400).slice(0, 12))('%s → 400, nothing sent', async (_name, _status, change) => {
    const activity = { id: randomUUID(), serviceUrl: h.connector.url, ...teamsActivity({ type: 'message', text: 'appointments' }), ...(change as object) };
    const answer = await postRaw(h.bot.url, JSON.stringify(activity), 'application/json', { Authorization: await h.connector.channelAuthorization(h.connector.url) });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ error: 'Bad request: not an activity this bot accepts.' });
    expect(h.tokenService.calls).toEqual([]);
  });

  it('refuses a form post in production mode too (415), before the token is looked at', async () => {
    const answer = await postRaw(h.bot.url, 'type=message&text=appointments', 'application/x-www-form-urlencoded', { Authorization: await h.connector.channelAuthorization(h.connector.url) });
    expect(answer.status).toBe(415);
  });
});

describe('/healthz', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBot();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('tells a load balancer (anything forwarded by a proxy) only that the bot is alive', async () => {
    const proxied: Record<string, string>[] = [{ 'X-Forwarded-For': '203.0.113.7' }, { Forwarded: 'for=203.0.113.7' }, { 'X-ARR-LOG-ID': randomUUID() }];
    for (const header of proxied) {
      const response = await fetch(`${h.bot.url}/healthz`, { headers: header });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
  });

  it('shows the operator on this machine its figures', async () => {
    expect(await (await fetch(`${h.bot.url}/healthz`)).json()).toMatchObject({ status: 'ok', inFlight: 0, mode: 'local', memory: { rss: expect.any(Number) } });
  });
});

describe('one greeting per conversation', () => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBot();
  });
  afterEach(async () => {
    await h.stop();
  });

  const update = (conversation: string, members: { id: string }[], base = emulatorActivity) => h.post(base(conversation, { type: 'conversationUpdate', membersAdded: members }));
  const welcomes = () => h.connector.cardCalls().filter((c) => textsOf(cardOf(c)).includes("Hi, I'm Bookings Bot.")).length;
  const bot = { id: '56800324-bookings-bot' };
  const user = { id: 'a5bd5b0e-0f5b-4a7e-9f55-2c4c5a0e1f11' };

  it('Direct Line / Web Chat: the bot joins, then the user joins seconds later: one welcome', async () => {
    await update('dl-1', [bot]);
    await update('dl-1', [user]);
    expect(welcomes()).toBe(1);
  });

  it('the Emulator: bot and user in one update: one welcome', async () => {
    await update('em-1', [bot, user]);
    expect(welcomes()).toBe(1);
  });

  it('Teams: the app installed in a personal chat: one welcome', async () => {
    const activity = teamsActivity({ type: 'conversationUpdate' });
    await h.post({ ...activity, membersAdded: [activity.recipient] });
    expect(welcomes()).toBe(1);
  });
});

describe('one user cannot hold any number of turns at once', () => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBot();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('answers the 5th and 6th concurrent clicks of one user 429; another user meanwhile, and the same user afterwards, are served', async () => {
    // Every Graph request takes a while, so that the first turns are still running when the others arrive.
    h.graph.latencyMs = 400;
    const list = { offset: 0 };
    const mine = Array.from({ length: 6 }, () => h.click('appointments.list', list));
    const someoneElse = h.click('appointments.list', list, { from: { id: '29:someone-else', aadObjectId: '00000000-0000-4000-8000-00000000beef', name: 'Someone Else' } });
    const statuses = (await Promise.all(mine)).map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect((await someoneElse).status).toBe(200);
    h.graph.latencyMs = 0;
    const after = await h.click('appointments.list', list);
    expect(after.status).toBe(200);
    expect(textsOf(after.body.value)[0]).toBe('Your upcoming appointments');
  });
});
