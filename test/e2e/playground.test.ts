import type { ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, start } from '../../src/index.js';
import { temporaryAuditDir } from '../helpers/botHarness.js';
import { browserTestsEnabled, launchBrowser, loopbackPage, screenshotPath, startPlayground } from '../helpers/browser.js';

/**
 * The bot against a client we did not write: the Microsoft 365 Agents Playground (a local Teams), driven in
 * headless Chromium the way a person uses it. Every wait is on something the page shows.
 */
describe.skipIf(!browserTestsEnabled)('Bookings Bot in the Microsoft 365 Agents Playground', () => {
  let bot: RunningBot;
  let playground: ChildProcess;
  let browser: Browser;
  let page: Page;

  const cards = () => page.locator('.ac-adaptiveCard');
  /** A whole-page screenshot as a test artifact; with UPDATE_SCREENSHOTS=1 also the card alone for docs/. */
  const shot = async (name: string, card?: Locator, docsName?: string) => {
    await page.screenshot({ path: screenshotPath(`playground-${name}`) });
    if (card && docsName && process.env.UPDATE_SCREENSHOTS === '1') {
      await card.scrollIntoViewIfNeeded();
      await card.screenshot({ path: new URL(`../../docs/screenshots/${docsName}.png`, import.meta.url).pathname });
    }
  };
  const posts = () => bot.localGraph!.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));

  /** Types into the compose box and waits for the bot's new card to show `title`. */
  async function say(text: string, title: string): Promise<Locator> {
    const before = await cards().count();
    // The compose box is a rich-text editor (a contenteditable "textbox"), the only textbox outside the cards.
    const box = page.getByRole('textbox').and(page.locator('[data-lexical-editor]'));
    await box.fill(text);
    await box.press('Enter');
    await page.waitForFunction((n) => document.querySelectorAll('.ac-adaptiveCard').length > n, before);
    // A fixed position, not .last(): later cards must not shift what this handle points at.
    const card = cards().nth((await cards().count()) - 1);
    await card.getByText(title, { exact: true }).first().waitFor();
    return card;
  }

  /** Clicks a button on a card and waits for that same card (replaced in place) to show `title`. */
  async function click(card: Locator, button: string, title: string, nth = 0): Promise<void> {
    const before = await cards().count();
    await card.getByRole('button', { name: button, exact: true }).nth(nth).click();
    await card.getByText(title, { exact: true }).first().waitFor();
    expect(await cards().count()).toBe(before);
  }

  const total = async (card: Locator) => Number(/of (\d+)$/.exec(await card.getByText(/^\d+–\d+ of \d+$/).innerText())![1]);

  beforeAll(async () => {
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    bot = await start({ PORT: '0', LOCAL_GRAPH_PORT: '0', LIST_PAGE_SIZE: '5', AUDIT_DIR: temporaryAuditDir() }, { logDestination: quiet });
    const started = await startPlayground(`${bot.url}/api/messages`, 'America/Chicago');
    playground = started.process;
    browser = await launchBrowser();
    page = await loopbackPage(browser, { width: 1280, height: 1800 });
    page.setDefaultTimeout(10_000);
    await page.goto(started.url);
    await page.getByText("Hi, I'm Bookings Bot.").first().waitFor();
    await shot('01-welcome');
  });

  afterAll(async () => {
    // Child process first: a browser that fails to close must not leave the Playground running.
    playground?.kill('SIGTERM');
    await Promise.allSettled([browser?.close(), bot?.stop()]);
  });

  it('lists, goes Back, refuses an empty message, cancels, and the appointment is gone', async () => {
    const list = await say('appointments', 'Your upcoming appointments');
    await list.getByText('Next 14 days · times in America/Chicago').waitFor();
    const before = await total(list);
    await shot('02-list', list, 'list.en-US');

    await click(list, 'Cancel', 'Cancel this appointment?');
    await click(list, 'Back', 'Your upcoming appointments');
    expect(posts()).toHaveLength(0);

    await click(list, 'Cancel', 'Cancel this appointment?');
    await shot('03-prompt', list, 'prompt.en-US');
    const message = list.locator('textarea');
    await message.fill('');
    await list.getByRole('button', { name: 'Confirm cancellation' }).click();
    await list.getByText('Write a message for the customer, at most 500 characters.').waitFor();
    await shot('04-empty-message');
    expect(posts()).toHaveLength(0);

    await message.fill('Our chef is ill today. Please book again next week; we are sorry.');
    await click(list, 'Confirm cancellation', '✓ Appointment cancelled');
    await list.getByText('Our chef is ill today. Please book again next week; we are sorry.').waitFor();
    await shot('05-cancelled', list, 'cancelled.en-US');
    expect(bot.localGraph!.store.cancellations).toMatchObject([{ cancellationMessage: 'Our chef is ill today. Please book again next week; we are sorry.' }]);

    const after = await say('appointments', 'Your upcoming appointments');
    expect(await total(after)).toBe(before - 1);
    await shot('06-list-after');
  });

  it('answers a click on a stale card clearly and sends nothing', async () => {
    const stale = await say('appointments', 'Your upcoming appointments');
    const fresh = await say('list', 'Your upcoming appointments');
    await click(fresh, 'Cancel', 'Cancel this appointment?');
    await click(fresh, 'Confirm cancellation', '✓ Appointment cancelled');
    const sent = posts().length;

    await click(stale, 'Cancel', 'This appointment no longer exists. It may already have been cancelled.');
    await stale.getByRole('button', { name: 'Show my appointments' }).waitFor();
    await shot('07-stale-card');
    expect(posts()).toHaveLength(sent);
  });

  it('holds the conversation in Chinese', async () => {
    const list = await say('预约', '你即将到来的预约');
    await list.getByText(/^\d+月\d+日周.$/).first().waitFor();
    await list.getByText(/^\d\d:\d\d–\d\d:\d\d$/).first().waitFor();
    await shot('zh-01-list', list, 'list.zh-CN');
    await click(list, '取消', '取消此预约？');
    await list.getByRole('button', { name: '确认取消' }).waitFor();
    await shot('zh-02-prompt', list, 'prompt.zh-CN');
    await list.locator('textarea').fill('很抱歉，厨师今天生病了。请下周重新预约。');
    await click(list, '确认取消', '✓ 预约已取消');
    await shot('zh-03-cancelled', list, 'cancelled.zh-CN');
  });
});
