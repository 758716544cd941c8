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
    expect(await response.json()).toEqual({ status: 'ok', inFlight: 0, mode: 'local' });
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

  it('in production mode rejects activities without a valid Bot Framework token with 401', async () => {
    h = await startBot({
      MicrosoftAppId: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6',
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppTenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      HOST: '127.0.0.1',
    });
    expect(h.bot.localGraph).toBeUndefined();
    expect(h.bot.config.graph.baseUrl).toBe('https://graph.microsoft.com/');
    const activity = teamsActivity({ type: 'message', text: 'appointments' });
    expect((await h.post(activity)).status).toBe(401);
    expect((await h.post(activity, { Authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    expect(h.connector.calls).toEqual([]);
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
