/** Agents Toolkit placeholders: ${{NAME}}, filled from the environment at packaging time. */
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export interface Filled {
  text: string;
  /** Names that had no value (an empty value counts as none, except for the *_SUFFIX names). */
  unresolved: string[];
}

export function fillPlaceholders(text: string, values: Record<string, string | undefined>): Filled {
  const unresolved = new Set<string>();
  const filled = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    // A suffix may be empty on purpose (APP_NAME_SUFFIX is "" in production); anything else empty is a mistake.
    if (value === undefined || (value === '' && !name.endsWith('_SUFFIX'))) {
      unresolved.add(name);
      return whole;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  return { text: filled, unresolved: [...unresolved].sort() };
}
