import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { asText } from '../../src/cards/plainText.js';
import { renderCancelled, renderCancelPrompt, renderDetails, renderList } from '../../src/cards/render.js';
import { renderDayProgress, renderDayPrompt } from '../../src/cards/dayCancel.js';
import { appointment, dayProgress, window } from '../helpers/cardStates.js';

/**
 * What customers (the public booking page) and Bookings' own names can hold, and what markdown would make of it in
 * Teams: links, e-mail and web addresses, emphasis, headings, lists, code, images.
 */
const HOSTILE = [
  '[Reset your Microsoft password](https://evil.example/login)',
  'open the Teams meeting here: https://evil.example/join and www.evil.example',
  'write to help@evil.example',
  '**urgent** _now_ ~~gone~~ `code` ![pixel](https://evil.example/p.png)',
  '# Heading\n- item\n1. first\n> quote\nTitle\n===',
  'evil.example/path <https://evil.example> \\*not escaped\\*',
];

/** A CommonMark renderer as strict as Teams can be: bare web addresses and e-mail addresses are linked too. */
const markdown = new MarkdownIt({ linkify: true });
const ZERO_WIDTH_SPACE = /\u200B/g;
/** The text a reader sees once the markdown is rendered: its HTML's text, entities decoded. */
const seen = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(ZERO_WIDTH_SPACE, '')
    .trim();

/** Every TextBlock text and FactSet value of a card: the places Teams renders markdown. */
function markdownFields(card: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'TextBlock' && typeof n.text === 'string') out.push(n.text);
    if (n.type === 'FactSet') for (const f of n.facts as { value: string }[]) out.push(f.value);
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out;
}

describe("text from Graph is shown as text, in the cards' real output", () => {
  it.each(HOSTILE)('%j renders as itself: no link, no formatting', (text) => {
    const html = markdown.render(asText(text));
    expect(html).not.toMatch(/<(a|em|strong|s|code|img|h\d|ul|ol|li|blockquote)\b/);
    expect(seen(html).replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
  });

  it('every field of every card that shows a customer, service, business, staff, location, note or message', () => {
    const [name, notes, service, business, staff, location] = HOSTILE;
    const a = appointment(0, {
      customerName: name!,
      serviceName: service!,
      businessName: business!,
      staffNames: [staff!],
      details: { customerNotes: notes, serviceNotes: notes, location: location!, customerPhone: '+1 [call](https://evil.example)' },
    });
    const ctx = { locale: 'en-US' as const, timeZone: 'UTC' };
    const cards = [
      renderList({ result: { kind: 'appointments', window, appointments: [a], scope: 'mine', canSeeWholeBusiness: false, businesses: [{ id: a.businessId, displayName: business! }], business: { id: a.businessId, displayName: business! } }, offset: 0, pageSize: 5, windowDays: 14 }, ctx),
      renderList({ result: { kind: 'noSuchBusiness', window, name: name!, businesses: [{ id: a.businessId, displayName: business! }] }, offset: 0, pageSize: 5, windowDays: 14 }, ctx),
      renderDetails(a, ctx, { showPhone: true }),
      renderCancelPrompt(a, ctx),
      renderCancelled(a, notes!, ctx),
      renderDayPrompt({ offer: { day: '2026-03-29', appointments: [a], total: 1, scope: 'mine', canSeeWholeBusiness: false }, grant: 'g.m' }, ctx),
      renderDayProgress({ progress: { ...dayProgress(['failed'], notes), items: [{ appointment: a, outcome: 'failed' }] }, reasonOf: () => 'x' }, ctx),
    ];
    const fields = cards.flatMap(markdownFields);
    const withHostileText = fields.filter((f) => /evil|Reset|urgent|Heading/.test(f.replace(/\\|\u200B/g, '')));
    expect(withHostileText.length).toBeGreaterThanOrEqual(12);
    for (const field of fields) expect(markdown.render(field), field).not.toMatch(/<(a|em|strong|s|code|img|h\d|ul|ol|li|blockquote)\b/);
  });
});
