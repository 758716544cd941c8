import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type BotHarness, startBot } from '../helpers/botHarness.js';

describe('the Graph call log (LOG_LEVEL=debug)', () => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBot({ LOG_LEVEL: 'debug' });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('names each call by the client-request-id it sent and the request-id Graph answered, never by its URL', async () => {
    const answer = await h.click('appointments.list', {});
    expect(answer.status).toBe(200);
    const calls = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'graph call');
    // One line per HTTP request: a JSON batch is one, its members (the staff reads) are not sent on their own.
    const sent = h.graph.requests.filter((r) => r.batchId === undefined);
    expect(calls.length).toBe(sent.length);
    expect(calls.map((c) => c.clientRequestId).sort()).toEqual(sent.map((r) => r.clientRequestId).sort());
    expect(new Set(calls.map((c) => c.clientRequestId)).size).toBe(calls.length);
    // The staff reads went as one batch (Northwind's answer, 403 for Adele, is inside it): every request answered 200.
    expect(calls.map((c) => c.method).sort()).toEqual(sent.map((r) => r.method).sort());
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(calls.map((c) => c.status)).toEqual(Array<number>(calls.length).fill(200));
    for (const call of calls) {
      expect(call).toMatchObject({ method: expect.stringMatching(/^(GET|POST)$/), status: expect.any(Number), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), clientRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(JSON.stringify(call)).not.toMatch(/bookingBusinesses|calendarView|http/);
    }
  });

  it('logs method, status, request ids and ms for every call of a whole flow, reads and the cancel POST, and never a URL, business, appointment or customer', async () => {
    const list = await h.click('appointments.list', {});
    const details = actionsOf(list.body.value).find((a) => a.title === 'Details')!;
    await h.click(details.verb, details.data);
    const cancel = actionsOf(list.body.value).find((a) => a.title === 'Cancel')!;
    const prompt = await h.click(cancel.verb, cancel.data);
    const confirm = actionsOf(prompt.body.value).find((a) => a.title === 'Confirm cancellation')!;
    // Every customer's address in the seed (taken before the cancel removes one appointment from the calendar).
    const { store } = h.graph;
    const customerAddresses = [...new Set(store.tenantBusinesses(500).flatMap((b) => store.calendarView(b, new Date(0), new Date(8.64e15)).map((a) => a.customer.emailAddress)))];
    expect(customerAddresses.length).toBeGreaterThan(1);
    await h.click(confirm.verb, { ...(confirm.data as object), cancellationMessage: 'Sorry, we are closed.' });
    const { businessId, appointmentId } = confirm.data as { businessId: string; appointmentId: string };
    expect(h.graph.store.cancellations).toHaveLength(1);

    const lines = h.logs.filter((l) => (JSON.parse(l) as { msg?: string }).msg === 'graph call');
    const sent = h.graph.requests.filter((r) => r.batchId === undefined);
    expect(lines).toHaveLength(sent.length);
    const calls = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(calls.map((c) => c.method).sort()).toEqual(sent.map((r) => r.method).sort());
    // The staff reads' batch, and the cancel.
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.status).sort()).toEqual([200, 204]);
    for (const call of calls) {
      // Exactly these fields (pino's own, the turn's, the call's): nothing that could carry a URL or an id.
      expect(Object.keys(call).sort()).toEqual(['clientRequestId', 'conversation', 'level', 'method', 'ms', 'msg', 'requestId', 'service', 'status', 'time', 'turn']);
      expect(call.ms).toEqual(expect.any(Number));
    }
    // Every business and appointment the flow touched.
    const businessIds = [...new Set(h.graph.requests.map((r) => /bookingBusinesses(?:\('|\/)([^'/]+)/.exec(decodeURIComponent(r.path))?.[1]).filter((id) => id !== undefined))];
    expect(businessIds).toContain(businessId);
    for (const secret of [...businessIds, appointmentId, ...customerAddresses, 'http://', 'bookingBusinesses']) {
      for (const line of lines) expect(line.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });
});
