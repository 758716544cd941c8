import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BotHarness, startBot, teamsActivity } from '../helpers/botHarness.js';

describe('the Graph call log (LOG_LEVEL=debug)', () => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBot({ LOG_LEVEL: 'debug' });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('names each call by the client-request-id it sent and the request-id Graph answered, never by its URL', async () => {
    const answer = await h.post(teamsActivity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'appointments.list', data: {} } } }));
    expect(answer.status).toBe(200);
    const calls = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'graph call');
    expect(calls.length).toBe(h.graph.requests.length);
    expect(calls.map((c) => c.clientRequestId).sort()).toEqual(h.graph.requests.map((r) => r.clientRequestId).sort());
    expect(new Set(calls.map((c) => c.clientRequestId)).size).toBe(calls.length);
    // Graph lists the tenant's businesses: Northwind's staff, which Adele is not, answer 403; everything else 200.
    expect(calls.map((c) => c.status).sort()).toEqual([...Array<number>(calls.length - 1).fill(200), 403]);
    for (const call of calls) {
      expect(call).toMatchObject({ method: 'GET', status: expect.any(Number), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), clientRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(JSON.stringify(call)).not.toMatch(/bookingBusinesses|calendarView|http/);
    }
  });
});
