/**
 * Text that others wrote (customers name themselves and write notes on the public booking page; business, service,
 * staff and location names come from Bookings), made to show as itself in a TextBlock or a FactSet value, where
 * Teams renders markdown (TD task-modules-and-cards/cards/cards-format.md): a customer named
 * "[Reset your password](https://evil.example)" must not become a link.
 *
 * - Markdown's punctuation is escaped with a backslash (CommonMark "Backslash escapes": any ASCII punctuation).
 * - A web address or e-mail address is broken with a zero-width space (U+200B) after the scheme's ':', after each
 *   '.' between letters or digits, and after '@', because renderers link bare addresses (GFM autolinks, linkify)
 *   whatever their escapes. The text reads the same.
 * - Line starts that open a list or a heading ("- ", "# ", "1. ") are escaped too.
 */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()#+\-!<>|~=]/g;
/** "1. " or "1) " at a line's start opens a numbered list. */
const NUMBERED_LINE = /^(\s*\d+)\./gm;
const ADDRESS_JOINTS = /(?<=[\p{L}\p{N}])([.:@])(?=[\p{L}\p{N}/])/gu;
const ZERO_WIDTH_SPACE = '\u200B';

export function asText(text: string): string {
  return text
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(NUMBERED_LINE, '$1\\.')
    .replace(ADDRESS_JOINTS, `$1${ZERO_WIDTH_SPACE}`);
}
