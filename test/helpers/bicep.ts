/**
 * Enough of Bicep to check infra/*.bicep offline (there is no Bicep compiler here): the resource declarations, each
 * body as a JavaScript value (literals as themselves, any other expression as a BicepExpression), and a check of a
 * body against the resource's ARM JSON schema (test/fixtures/arm-resource-schemas.json, from
 * Azure/azure-resource-manager-schemas): every property must be one the schema has at that API version, literals
 * must fit its types and enums, required properties must be there. Expressions are ARM's to evaluate at deployment
 * and pass. Syntax this does not know (loops, nested resources) is an error, not a pass.
 */

export class BicepExpression {
  constructor(readonly source: string) {}
}

export type BicepValue = string | number | boolean | null | BicepExpression | BicepValue[] | { [key: string]: BicepValue };

export interface BicepResource {
  symbol: string;
  /** e.g. Microsoft.Web/sites */
  type: string;
  apiVersion: string;
  existing: boolean;
  condition?: string;
  body: { [key: string]: BicepValue };
}

type Token = { kind: 'nl' | 'punct' | 'ident' | 'number'; text: string } | { kind: 'string'; text: string; interpolated: boolean };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readString = (): { raw: string; interpolated: boolean } => {
    // i is at the opening quote
    const start = i;
    let interpolated = false;
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      if (end < 0) throw new Error('unterminated multi-line string');
      i = end + 3;
      return { raw: text.slice(start, i), interpolated: false };
    }
    i++;
    while (i < text.length && text[i] !== "'") {
      if (text[i] === '\\') i += 2;
      else if (text.startsWith('${', i)) {
        interpolated = true;
        i += 2;
        let depth = 1;
        while (i < text.length && depth > 0) {
          if (text[i] === "'") readString();
          else {
            if (text[i] === '{') depth++;
            if (text[i] === '}') depth--;
            i++;
          }
        }
      } else i++;
    }
    if (i >= text.length) throw new Error('unterminated string');
    i++;
    return { raw: text.slice(start, i), interpolated };
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      tokens.push({ kind: 'nl', text: '\n' });
      i++;
    } else if (/\s/.test(c)) i++;
    else if (text.startsWith('//', i)) while (i < text.length && text[i] !== '\n') i++;
    else if (text.startsWith('/*', i)) i = text.indexOf('*/', i) + 2;
    else if (c === "'") {
      const { raw, interpolated } = readString();
      tokens.push({ kind: 'string', text: raw, interpolated });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else if (/\d/.test(c)) {
      const m = /^\d+/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else {
      const two = text.slice(i, i + 2);
      const op = ['==', '!=', '<=', '>=', '&&', '||', '??', '.?', '::', '=>', '=~', '!~'].includes(two) ? two : c;
      tokens.push({ kind: 'punct', text: op });
      i += op.length;
    }
  }
  return tokens;
}

/** A Bicep string literal's value (no interpolation). */
function stringValue(raw: string): string {
  if (raw.startsWith("'''")) return raw.slice(3, -3);
  return raw.slice(1, -1).replace(/\\(.)/g, (_m, ch: string) => ({ n: '\n', r: '\r', t: '\t' })[ch] ?? ch);
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const token = this.tokens[this.pos++];
    if (!token) throw new Error('unexpected end of file');
    return token;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text) throw new Error(`expected ${text}, found ${token.text}`);
  }

  private skipNewlines(): void {
    while (this.peek()?.kind === 'nl') this.pos++;
  }

  /** The top-level `resource` declarations, and the top-level `var`s (name → value). */
  declarations(): { resources: BicepResource[]; variables: Map<string, BicepValue> } {
    const found: BicepResource[] = [];
    const variables = new Map<string, BicepValue>();
    let depth = 0;
    let lineStart = true;
    while (this.pos < this.tokens.length) {
      const token = this.peek()!;
      if (depth === 0 && lineStart && token.kind === 'ident' && token.text === 'resource') {
        found.push(this.resource());
        lineStart = false;
        continue;
      }
      if (depth === 0 && lineStart && token.kind === 'ident' && token.text === 'var') {
        this.pos++;
        const name = this.next().text;
        this.expect('=');
        variables.set(name, this.value());
        lineStart = false;
        continue;
      }
      this.pos++;
      if (token.kind === 'punct' && ['{', '[', '('].includes(token.text)) depth++;
      if (token.kind === 'punct' && ['}', ']', ')'].includes(token.text)) depth--;
      lineStart = token.kind === 'nl';
    }
    return { resources: found, variables };
  }

  private resource(): BicepResource {
    this.expect('resource');
    const symbol = this.next().text;
    const typeToken = this.next();
    if (typeToken.kind !== 'string') throw new Error(`resource ${symbol}: expected its type`);
    const [type, apiVersion] = stringValue(typeToken.text).split('@') as [string, string];
    let existing = false;
    if (this.peek()?.text === 'existing') {
      existing = true;
      this.pos++;
    }
    this.expect('=');
    let condition: string | undefined;
    if (this.peek()?.text === 'if') {
      this.pos++;
      condition = this.balanced('(', ')');
    }
    if (this.peek()?.text !== '{') throw new Error(`resource ${symbol}: only a plain object body is understood here (no loops)`);
    return { symbol, type, apiVersion, existing, condition, body: this.object() as { [key: string]: BicepValue } };
  }

  /** The source of a balanced (…) group, without the outer brackets. */
  private balanced(open: string, close: string): string {
    this.expect(open);
    const parts: string[] = [];
    let depth = 1;
    for (;;) {
      const token = this.next();
      if (token.text === open) depth++;
      if (token.text === close && --depth === 0) return parts.join(' ');
      parts.push(token.text);
    }
  }

  private object(): BicepValue {
    this.expect('{');
    const result: { [key: string]: BicepValue } = {};
    for (;;) {
      while (this.peek()?.kind === 'nl' || this.peek()?.text === ',') this.pos++;
      const token = this.next();
      if (token.text === '}') return result;
      if (token.kind === 'ident' && token.text === 'resource') throw new Error('nested resource declarations are not understood here');
      let key: string;
      if (token.kind === 'ident') key = token.text;
      else if (token.kind === 'string') key = token.interpolated ? `[${token.text}]` : stringValue(token.text);
      else throw new Error(`expected a property name, found ${token.text}`);
      this.expect(':');
      result[key] = this.value();
    }
  }

  private array(): BicepValue {
    this.expect('[');
    const result: BicepValue[] = [];
    for (;;) {
      while (this.peek()?.kind === 'nl' || this.peek()?.text === ',') this.pos++;
      if (this.peek()?.text === ']') {
        this.pos++;
        return result;
      }
      if (this.peek()?.text === 'for') throw new Error('for-expressions are not understood here');
      result.push(this.value());
    }
  }

  private value(): BicepValue {
    this.skipNewlines();
    const first = this.peek()!;
    if (first.text === '{') return this.object();
    if (first.text === '[') return this.array();
    // An expression: up to the end of the line (or a separator) outside any bracket.
    const parts: Token[] = [];
    let depth = 0;
    for (;;) {
      const token = this.peek();
      if (!token) break;
      if (depth === 0 && (token.kind === 'nl' || [',', '}', ']'].includes(token.text))) break;
      if (['{', '[', '('].includes(token.text)) depth++;
      if (['}', ']', ')'].includes(token.text)) depth--;
      parts.push(token);
      this.pos++;
    }
    if (parts.length === 1) {
      const only = parts[0]!;
      if (only.kind === 'string' && !only.interpolated) return stringValue(only.text);
      if (only.kind === 'number') return Number(only.text);
      if (only.text === 'true' || only.text === 'false') return only.text === 'true';
      if (only.text === 'null') return null;
    }
    return new BicepExpression(parts.map((p) => p.text).join(' '));
  }
}

/** The resources a Bicep file declares. */
export function bicepResources(text: string): BicepResource[] {
  return new Parser(tokenize(text)).declarations().resources;
}

/** The variables a Bicep file declares at its top level, with their values. */
export function bicepVariables(text: string): Map<string, BicepValue> {
  return new Parser(tokenize(text)).declarations().variables;
}

/** The fixture's shape: resource definitions by "Type@apiVersion", their definitions by "Namespace@apiVersion". */
export interface ArmSchemas {
  resources: Record<string, Schema>;
  definitions: Record<string, Record<string, Schema>>;
}

interface Schema {
  $ref?: string;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
}

/** Keys Bicep adds to a resource body that are not ARM resource properties. */
const BICEP_KEYS = new Set(['parent', 'scope', 'dependsOn']);

/** What is wrong with a resource body against its schema (empty: nothing). */
export function schemaProblems(resource: BicepResource, schemas: ArmSchemas): string[] {
  const key = `${resource.type}@${resource.apiVersion}`;
  const root = schemas.resources[key];
  if (!root) return [`${resource.symbol}: no schema for ${key} in the fixture (take it from Azure/azure-resource-manager-schemas)`];
  const definitions = schemas.definitions[`${resource.type.split('/')[0]}@${resource.apiVersion}`] ?? {};
  const problems: string[] = [];

  /** The alternatives a schema allows, $refs followed; 'expression' stands for ARM's expression string. */
  const alternatives = (schema: Schema): (Schema | 'expression')[] => {
    if (schema.$ref === 'expression') return ['expression'];
    if (schema.$ref?.startsWith('#/definitions/')) {
      const target = definitions[schema.$ref.slice('#/definitions/'.length)];
      if (!target) throw new Error(`fixture lacks ${schema.$ref}`);
      return alternatives(target);
    }
    if (schema.oneOf ?? schema.anyOf) return (schema.oneOf ?? schema.anyOf)!.flatMap(alternatives);
    if (schema.allOf) {
      const parts = schema.allOf.flatMap(alternatives).filter((s): s is Schema => s !== 'expression');
      return [{ type: 'object', properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})) as Record<string, Schema>, required: parts.flatMap((p) => p.required ?? []) }];
    }
    return [schema];
  };

  const check = (value: BicepValue, schema: Schema, path: string): void => {
    if (value instanceof BicepExpression) return;
    const options = alternatives(schema).filter((s): s is Schema => s !== 'expression');
    if (Array.isArray(value)) {
      const arrays = options.filter((s) => s.type === 'array' || s.items);
      if (arrays.length === 0) return void problems.push(`${path}: an array where the schema has none`);
      value.forEach((item, i) => check(item, arrays[0]!.items ?? {}, `${path}[${i}]`));
      return;
    }
    if (value !== null && typeof value === 'object') {
      const objects = options.filter((s) => s.type === 'object' || s.properties || s.additionalProperties);
      if (objects.length === 0) return void problems.push(`${path}: an object where the schema has none`);
      const properties = Object.assign({}, ...objects.map((s) => s.properties ?? {})) as Record<string, Schema>;
      const map = objects.find((s) => typeof s.additionalProperties === 'object')?.additionalProperties as Schema | undefined;
      for (const [name, item] of Object.entries(value)) {
        if (path === resource.symbol && BICEP_KEYS.has(name)) continue;
        if (properties[name]) check(item, properties[name], `${path}.${name}`);
        else if (map) check(item, map, `${path}.${name}`);
        else problems.push(`${path}.${name}: not a property of ${key} here`);
      }
      const required = objects.flatMap((s) => s.required ?? []).filter((name) => !(path === resource.symbol && ['apiVersion', 'type'].includes(name)));
      for (const name of required) if (!(name in value)) problems.push(`${path}.${name}: required by ${key}`);
      return;
    }
    const type = typeof value === 'number' ? ['integer', 'number'] : [typeof value];
    const fitting = options.filter((s) => s.type === undefined || type.includes(s.type));
    if (fitting.length === 0) return void problems.push(`${path}: ${JSON.stringify(value)} is not of the schema's type`);
    if (fitting.every((s) => s.enum && !s.enum.includes(value))) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(fitting.flatMap((s) => s.enum))}`);
  };

  check(resource.body, root, resource.symbol);
  return problems;
}
