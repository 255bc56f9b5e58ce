import { OptionReader, rangeText, type NumberRule } from './options';

interface Described {
  /** One line, shown by `piano-lstm stages --options` and in the README tables. */
  description: string;
  /** For a default that depends on other options (`val_loss with a validation split, else loss`): what the table shows. */
  defaultText?: string;
  /** For values a check after reading restricts (a pattern, a file): what the table's range column says. */
  rangeText?: string;
}

export interface NumberOption extends Described, NumberRule {
  type: 'number' | 'int';
  default?: number;
}
export interface StringOption extends Described {
  type: 'string';
  default?: string;
  choices?: readonly string[];
}
export interface BooleanOption extends Described {
  type: 'boolean';
  default?: boolean;
}
export interface StringListOption extends Described {
  type: 'string[]';
  default?: readonly string[];
  minItems?: number;
}
export interface NumberListOption extends Described, NumberRule {
  type: 'number[]' | 'int[]';
  default?: readonly number[];
  minItems?: number;
  length?: number;
  /** A single number is read as a one-item list (`dense: 256`). */
  single?: boolean;
}
export interface ObjectOption extends Described {
  type: 'object';
  options: OptionsSchema;
  /** Absent → no value (the feature is off) instead of an object of defaults. */
  optional?: boolean;
}

/** One option as data: its type, default, range and description (Nx `schema.json` in spirit). */
export type OptionDecl = NumberOption | StringOption | BooleanOption | StringListOption | NumberListOption | ObjectOption;
/** A stage type's options, in the order they are read (and listed). */
export type OptionsSchema = { readonly [key: string]: OptionDecl };

type ValueOf<D> = D extends { type: 'int' | 'number' }
  ? number
  : D extends { type: 'string'; choices: readonly (infer C extends string)[] }
    ? C
    : D extends { type: 'string' }
      ? string
      : D extends { type: 'boolean' }
        ? boolean
        : D extends { type: 'string[]' }
          ? string[]
          : D extends { type: 'number[]' | 'int[]' }
            ? number[]
            : D extends { type: 'object'; options: infer S extends OptionsSchema }
              ? OptionsOf<S>
              : never;

type Filled<D> = D extends { type: 'object' } ? (D extends { optional: true } ? false : true) : D extends { default: unknown } ? true : false;

/** The options object a declaration reads into: options with a default are always present. */
export type OptionsOf<S extends OptionsSchema> = {
  -readonly [K in keyof S as Filled<S[K]> extends true ? K : never]: ValueOf<S[K]>;
} & {
  -readonly [K in keyof S as Filled<S[K]> extends true ? never : K]?: ValueOf<S[K]>;
};

/** Keeps the literal types of a declaration (types, choices) so `OptionsOf` can read them. */
export function defineOptions<const S extends OptionsSchema>(schema: S): S {
  return schema;
}

type DefaultOf<D> = D extends { type: 'object' } ? never : ValueOf<D>;

/** The same declaration with other defaults (builders that differ only in them). */
export function withDefaults<S extends OptionsSchema>(schema: S, defaults: { [K in keyof S]?: DefaultOf<S[K]> }): S {
  const out: Record<string, OptionDecl> = { ...schema };
  for (const [key, value] of Object.entries(defaults)) out[key] = { ...out[key], default: value } as OptionDecl;
  return out as S;
}

/** Reads every declared option from `r` (validating, filling defaults); the caller calls `r.done()`. */
export function readOptions<S extends OptionsSchema>(schema: S, r: OptionReader): OptionsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(schema)) {
    const value = readOption(key, decl, r);
    if (value !== undefined) out[key] = value;
  }
  return out as OptionsOf<S>;
}

function readOption(key: string, d: OptionDecl, r: OptionReader): unknown {
  switch (d.type) {
    case 'int':
      return r.int(key, d as NumberRule & { default: number });
    case 'number':
      return r.number(key, d as NumberRule & { default: number });
    case 'string':
      return r.string(key, { default: d.default as string, choices: d.choices });
    case 'boolean':
      return r.boolean(key, { default: d.default as boolean });
    case 'string[]':
      return r.stringArray(key, { default: d.default ? [...d.default] : undefined, minItems: d.minItems });
    case 'number[]':
    case 'int[]': {
      const rule = { ...d, integer: d.type === 'int[]' || d.integer, default: d.default ? [...d.default] : undefined };
      if (d.single && typeof r.any(key) === 'number') return [r.number(key, rule as NumberRule)];
      return r.numberArray(key, rule);
    }
    case 'object': {
      const sub = r.object(key) ?? (d.optional ? undefined : new OptionReader({}, r.keyPath(key)));
      if (!sub) return undefined;
      const value = readOptions(d.options, sub);
      sub.done();
      return value;
    }
  }
}

/**
 * `parseOptions` from a declaration: unknown keys are refused after every declared one is read;
 * `check` adds the rules that join several options and may finish the object.
 */
export function optionsParser<S extends OptionsSchema, O = OptionsOf<S>>(
  schema: S,
  check?: (options: OptionsOf<S>, path: string) => O,
): (raw: unknown, path: string) => O {
  return (raw, path) => {
    const r = new OptionReader(raw, path);
    const options = readOptions(schema, r);
    r.done();
    return check ? check(options, path) : (options as unknown as O);
  };
}

export interface OptionRow {
  option: string;
  type: string;
  default: string;
  /** `default` is a value (shown as code), not words such as `the model's`. */
  literal: boolean;
  range: string;
  description: string;
}

/** One row per option, nested objects flattened as `checkpoint.monitor`. */
export function optionRows(schema: OptionsSchema, prefix = ''): OptionRow[] {
  const rows: OptionRow[] = [];
  for (const [key, d] of Object.entries(schema)) {
    const name = `${prefix}${key}`;
    const literal = d.defaultText === undefined && d.type !== 'object' && d.default !== undefined;
    rows.push({ option: name, type: typeText(d), default: defaultText(d), literal, range: rangeOf(key, d), description: d.description });
    if (d.type === 'object') rows.push(...optionRows(d.options, `${name}.`));
  }
  return rows;
}

function typeText(d: OptionDecl): string {
  if (d.type === 'int[]' || d.type === 'number[]') return d.single ? `${d.type.slice(0, -2)} or ${d.type}` : d.type;
  return d.type;
}

function defaultText(d: OptionDecl): string {
  if (d.defaultText !== undefined) return d.defaultText;
  if (d.type === 'object') return d.optional ? 'off' : '';
  if (d.default === undefined) return '-';
  return Array.isArray(d.default) ? `[${d.default.join(', ')}]` : String(d.default);
}

function rangeOf(key: string, d: OptionDecl): string {
  if (d.rangeText !== undefined) return d.rangeText;
  switch (d.type) {
    case 'int':
    case 'number':
      return hasBounds(d) ? rangeText(key, d) : '';
    case 'string':
      return d.choices ? d.choices.join(', ') : '';
    case 'string[]':
      return d.minItems ? `≥ ${d.minItems} item(s)` : '';
    case 'number[]':
    case 'int[]': {
      const size = d.length !== undefined ? `${d.length} items` : d.minItems ? `≥ ${d.minItems} item(s)` : '';
      const each = hasBounds(d) ? `each ${rangeText('x', d)}` : '';
      return [size, each].filter(Boolean).join(', ');
    }
    default:
      return '';
  }
}

function hasBounds(rule: NumberRule): boolean {
  return rule.min !== undefined || rule.max !== undefined;
}

/** A Markdown table of a declaration (the README option tables are generated from it). */
export function optionsMarkdown(schema: OptionsSchema): string {
  // `|` would end the cell and `<n>` would be read as an HTML tag
  const cell = (s: string) => s.replace(/\||<(?=[A-Za-z/!?])/g, (c) => `\\${c}`);
  const lines = ['| option | type | default | range | description |', '|---|---|---|---|---|'];
  for (const r of optionRows(schema)) {
    const dflt = r.literal ? `\`${r.default}\`` : r.default;
    lines.push(`| \`${r.option}\` | ${r.type} | ${cell(dflt)} | ${cell(r.range)} | ${cell(r.description)} |`);
  }
  return lines.join('\n');
}

/** The same rows as plain text columns, for the terminal. */
export function optionsText(schema: OptionsSchema): string[] {
  const rows = optionRows(schema);
  const head: OptionRow = { option: 'option', type: 'type', default: 'default', literal: false, range: 'range', description: 'description' };
  const cols = ['option', 'type', 'default', 'range'] as const;
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))]));
  return [head, ...rows].map((r) => `${cols.map((c) => r[c].padEnd(width[c])).join('  ')}  ${r.description}`.trimEnd());
}
