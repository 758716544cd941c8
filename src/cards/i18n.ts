import { readFileSync } from 'node:fs';

export type Locale = 'en-US' | 'zh-CN';
export type StringKey = keyof typeof enUS;

function load(locale: Locale): Record<string, string> {
  return JSON.parse(readFileSync(new URL(`./strings/${locale}.json`, import.meta.url), 'utf8')) as Record<string, string>;
}

const enUS = load('en-US');
const tables: Record<Locale, Record<string, string>> = { 'en-US': enUS, 'zh-CN': load('zh-CN') };

/** Chinese for any zh-* locale the client reports, English otherwise. */
export function resolveLocale(locale: string | undefined): Locale {
  return locale?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en-US';
}

/** A localized string with {placeholders} filled; English where a translation is missing. */
export function t(locale: Locale, key: StringKey, vars: Record<string, string | number> = {}): string {
  const text = tables[locale][key] ?? enUS[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
