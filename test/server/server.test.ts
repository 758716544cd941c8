import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type BotHarness, startBot, teamsActivity } from '../helpers/botHarness.js';

describe('the HTTP server', () => {
  let h: BotHarness;
  afterEach(async () => {
    await h?.stop();
  });

  it('answers /healthz with a small JSON status', async () => {
    h = await startBot();
    const response = await fetch(`${h.bot.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', inFlight: 0, mode: 'local', storage: 'memory', stateItems: 0, auditBacklog: 0, memory: { rss: expect.any(Number), heapUsed: expect.any(Number) } });
  });

  it('serves the home, privacy and terms pages the Teams manifest links to', async () => {
    h = await startBot();
    for (const [path, heading] of [['/', 'Bookings Bot'], ['/privacy', 'Privacy'], ['/terms', 'Terms of use']] as const) {
      const response = await fetch(`${h.bot.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain(`<h1>${heading}</h1>`);
    }
    const manifest = JSON.parse(readFileSync(new URL('../../appPackage/manifest.json', import.meta.url), 'utf8')) as { developer: Record<string, string> };
    expect(manifest.developer).toMatchObject({ websiteUrl: 'https://${{BOT_DOMAIN}}', privacyUrl: 'https://${{BOT_DOMAIN}}/privacy', termsOfUseUrl: 'https://${{BOT_DOMAIN}}/terms' });
  });

  it('says in its first log line that local mode accepts unauthenticated activities', async () => {
    h = await startBot();
    const first = JSON.parse(h.logs[0]!) as { msg: string; mode: string };
    expect(first.mode).toBe('local');
    expect(first.msg).toMatch(/WITHOUT authentication/);
  });

  it('finishes a turn in flight when stopped, then refuses new connections', async () => {
    h = await startBot();
    h.graph.faults.add({ method: 'GET', delayMs: 400, times: 1 });
    const inFlight = h.post(teamsActivity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'appointments.list', data: {} } } }));
    await expect.poll(async () => ((await (await fetch(`${h.bot.url}/healthz`)).json()) as { inFlight: number }).inFlight).toBe(1);
    const url = h.bot.url;
    const stopping = h.bot.stop();
    const answer = (await inFlight) as { status: number; body: { statusCode: number; type: string } };
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    await stopping;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await h.connector.stop();
    h = undefined as unknown as BotHarness;
  });
});
