import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSubmitActions } from '../../src/cards/render.js';
import hostConfig from '../fixtures/teams-host-config.json' with { type: 'json' };
import { browserTestsEnabled, launchBrowser, screenshotPath } from '../helpers/browser.js';
import { cardStates } from '../helpers/cardStates.js';

const rendererPath = createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.js');

interface RenderReport {
  parseWarnings: string[];
  validationFailures: string[];
  rendered: boolean;
  height: number;
}

/** Each card, in every state and both languages, drawn by the official renderer in Chromium with a Teams host config. */
describe.skipIf(!browserTestsEnabled)('cards in the official Adaptive Cards renderer (Chromium, Teams host config)', () => {
  let browser: Browser;
  let page: Page;
  const consoleProblems: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 480, height: 900 } });
    await page.route('**/*', (route) => route.abort());
    page.on('console', (m) => (m.type() === 'warning' || m.type() === 'error' ? consoleProblems.push(m.text()) : undefined));
    page.on('pageerror', (e) => consoleProblems.push(e.message));
    await page.setContent('<html><body style="margin:0;background:#f5f5f5"><div id="root" style="width:440px;padding:8px"></div></body></html>');
    await page.addScriptTag({ path: rendererPath });
    // Teams renders the markdown subset cards may use; this host does the same for **bold** and _italic_.
    await page.evaluate(() => {
      const AC = (window as unknown as { AdaptiveCards: typeof AdaptiveCards }).AdaptiveCards;
      AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
        const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        result.outputHtml = `<p>${escaped.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>').replace(/\b_(.+?)_\b/g, '<em>$1</em>')}</p>`;
        result.didProcess = true;
      };
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const render = (card: unknown) =>
    page.evaluate(
      ({ card, hostConfig }) => {
        const AC = (window as unknown as { AdaptiveCards: typeof AdaptiveCards }).AdaptiveCards;
        const model = new AC.AdaptiveCard();
        model.hostConfig = new AC.HostConfig(hostConfig);
        const context = new AC.SerializationContext(AC.Versions.v1_5);
        model.parse(card, context);
        const parseWarnings: string[] = [];
        for (let i = 0; i < context.eventCount; i++) parseWarnings.push(context.getEventAt(i).message);
        const validationFailures = model.validateProperties().validationEvents.map((e) => e.message);
        const root = document.getElementById('root')!;
        root.replaceChildren();
        const element = model.render();
        if (element) root.appendChild(element);
        return { parseWarnings, validationFailures, rendered: element !== undefined, height: element?.offsetHeight ?? 0 } satisfies RenderReport;
      },
      { card, hostConfig },
    );

  describe.each(['en-US', 'zh-CN'] as const)('%s', (locale) => {
    it.each(cardStates(locale))('%s renders without warnings, as Teams and as the Emulator get it', async (name, card) => {
      for (const [variant, json] of [['execute', card], ['submit', withSubmitActions(card)]] as const) {
        const report = await render(json);
        expect(report, `${name} (${variant})`).toEqual({ parseWarnings: [], validationFailures: [], rendered: true, height: report.height });
        expect(report.height).toBeGreaterThan(40);
      }
      await page.locator('#root').screenshot({ path: screenshotPath(`card-${locale}-${name.replace(/[^a-z]+/gi, '-')}`) });
      expect(consoleProblems).toEqual([]);
    });
  });
});
