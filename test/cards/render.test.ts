import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import { type AdaptiveCard, renderCancelled, renderCancelPrompt, renderList, withSubmitActions } from '../../src/cards/render.js';
import { Verb } from '../../src/cards/verbs.js';
import { actionsOf, textsOf } from '../helpers/botHarness.js';
import { appointment, cardStates as states, list } from '../helpers/cardStates.js';

// The official renderer's object model (what Teams and Web Chat build on). Its Node entry is ESM-broken on Node 20,
// so the UMD bundle is loaded with the one global it expects.
(globalThis as Record<string, unknown>).window ??= globalThis;
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

/** Parse warnings and validation failures the official model reports for a card, as text. */
function problemsOf(card: AdaptiveCard): string[] {
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const model = new AC.AdaptiveCard();
  model.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of model.validateProperties().validationEvents) problems.push(event.message);
  return problems;
}

describe.each(['en-US', 'zh-CN'] as const)('cards in %s', (locale) => {
  it.each(states(locale))('%s is a valid Adaptive Card 1.5 with every placeholder filled', (_name, card) => {
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(problemsOf(card)).toEqual([]);
    expect(problemsOf(withSubmitActions(card))).toEqual([]);
    expect(typeof card.fallbackText).toBe('string');
    // Speech (immersive reader) reads what the fallback text says.
    expect(card.speak).toBe(card.fallbackText);
    const unfilled = JSON.stringify(card).match(/\$\{(?!not a template)[^}]*\}/g);
    expect(unfilled).toBeNull();
  });

  it.each(states(locale))('%s: every Execute falls back to a Submit with the same verb, title and data', (_name, card) => {
    // A card's refresh is an Execute without a fallback by design: only Teams refreshes, and it needs no button.
    const { refresh, ...buttons } = card;
    if (refresh) expect(refresh).toMatchObject({ action: { type: 'Action.Execute', verb: Verb.ListAppointments }, userIds: [expect.stringMatching(/^29:/)] });
    for (const action of actionsOf(buttons).filter((a) => a.type === 'Action.Execute')) {
      const fallback = action.fallback as Record<string, unknown>;
      expect(fallback).toMatchObject({ type: 'Action.Submit', title: action.title, data: { ...(action.data as object), verb: action.verb } });
      // It looks and behaves as the Execute does: a destructive Confirm stays red, its inputs still go with it.
      for (const key of ['style', 'tooltip', 'associatedInputs']) expect(fallback[key], key).toBe(action[key]);
      expect(Object.values(Verb)).toContain(action.verb);
    }
    expect(actionsOf(withSubmitActions(card)).some((a) => a.type === 'Action.Execute')).toBe(false);
  });
});

describe('the validator itself', () => {
  it('reports what Teams would reject: unknown elements, inputs without id, bad versions', () => {
    expect(problemsOf({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Carousel3D' }] })).not.toEqual([]);
    expect(problemsOf({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Input.Text' }] })).not.toEqual([]);
    expect(problemsOf({ type: 'AdaptiveCard', version: '9.9', body: [] })).not.toEqual([]);
  });
});

describe('card content', () => {
  const ctx = { locale: 'en-US' as const, timeZone: 'America/Chicago' };

  it('shows times in the user zone across a DST change and pages with Previous / Show more', () => {
    const first = renderList({ result: list(12), offset: 0, pageSize: 5, windowDays: 14 }, { locale: 'en-US', timeZone: 'Europe/London' });
    // 29 March 2026: London moves from GMT to BST at 01:00 UTC; the first appointment (00:30–01:00 UTC) straddles it.
    // Grouped by day: the day once, then each appointment's times.
    expect(textsOf(first).filter((text) => text === 'Sun, Mar 29')).toHaveLength(1);
    expect(textsOf(first)).toEqual(expect.arrayContaining(['00:30–02:00', '02:30–03:00', '1–5 of 12']));
    const card = renderList({ result: list(12), offset: 5, pageSize: 5, windowDays: 14 }, { locale: 'en-US', timeZone: 'Europe/London' });
    expect(textsOf(card)).toEqual(expect.arrayContaining(['Sun, Mar 29', '06:30–07:00', '6–10 of 12']));
    expect(actionsOf(card).filter((a) => a.verb === Verb.ListAppointments).map((a) => [a.title, (a.data as { offset: number }).offset])).toEqual([
      ['Previous', 0],
      ['Show more', 10],
    ]);
  });

  it('shows the last page when the list shrank below the offset a card asks for', () => {
    const card = renderList({ result: list(7), offset: 10, pageSize: 5, windowDays: 14 }, ctx);
    expect(textsOf(card)).toContain('6–7 of 7');
  });

  it('formats Chinese dates for Asia/Shanghai', () => {
    const card = renderList({ result: list(1), offset: 0, pageSize: 5, windowDays: 14 }, { locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
    expect(textsOf(card)).toEqual(expect.arrayContaining(['3月29日周日', '08:30–09:00']));
  });

  it('offers Join only for online appointments with a link', () => {
    const card = renderList({ result: list(2), offset: 0, pageSize: 5, windowDays: 14 }, ctx);
    expect(actionsOf(card).filter((a) => a.type === 'Action.OpenUrl')).toHaveLength(1);
  });

  it('keeps user text literal: no template expansion, no markdown links smuggled into data', () => {
    const card = renderCancelled(appointment(0, { customerName: '${title}' }), '${$root.title}', ctx);
    expect(textsOf(card)).toEqual(expect.arrayContaining(['Customer: ${title}', '${$root.title}']));
  });

  it('prefills the prompt with a localized default and enforces the length limit in the input', () => {
    const card = renderCancelPrompt(appointment(0), { locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
    const input = (card.body as Record<string, unknown>[]).find((b) => b.type === 'Input.Text')!;
    expect(input).toMatchObject({ isRequired: true, maxLength: 500, errorMessage: '请填写给客户的消息，最多 500 个字符。' });
    // It names no time: a message the bot wrote must not name one Graph may no longer have.
    expect(String(input.value)).toBe('很抱歉，我们不得不取消你的 Catered bento 预约。请重新预约一个方便的时间。');
  });
});
