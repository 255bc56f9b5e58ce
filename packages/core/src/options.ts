import { ConfigError } from './errors';

export interface NumberRule {
  min?: number;
  max?: number;
  /** lower bound excluded: `0 < x` */
  minExclusive?: boolean;
  /** upper bound excluded: `x < 1` */
  maxExclusive?: boolean;
  integer?: boolean;
}

type Plain = Record<string, unknown>;

/**
 * Reads one options object, checking each key as it is taken, with messages that name the
 * YAML path and the rule (`model.options.dropout: 1.4 is out of range (0 ≤ dropout < 1)`).
 * `done()` rejects keys nobody asked for, naming the nearest known one.
 */
export class OptionReader {
  private readonly raw: Plain;
  private readonly seen = new Set<string>();

  constructor(raw: unknown, readonly path: string) {
    if (raw === undefined || raw === null) this.raw = {};
    else if (isPlainObject(raw)) this.raw = raw;
    else throw new ConfigError(path, `expected a mapping of options, got ${describe(raw)}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  keyPath(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** The raw value, marked as known. */
  any(key: string): unknown {
    this.seen.add(key);
    return this.raw[key];
  }

  number(key: string, rule: NumberRule & { default: number }): number;
  number(key: string, rule?: NumberRule & { default?: undefined }): number | undefined;
  number(key: string, rule: NumberRule & { default?: number } = {}): number | undefined {
    const v = this.any(key);
    if (v === undefined || v === null) return rule.default;
    return checkNumber(v, this.keyPath(key), key, rule);
  }

  int(key: string, rule: NumberRule & { default: number }): number;
  int(key: string, rule?: NumberRule & { default?: undefined }): number | undefined;
  int(key: string, rule: NumberRule & { default?: number } = {}): number | undefined {
    return this.number(key, { ...rule, integer: true } as NumberRule & { default: number });
  }

  string(key: string, rule: { default: string; choices?: readonly string[] }): string;
  string(key: string, rule?: { default?: undefined; choices?: readonly string[] }): string | undefined;
  string(key: string, rule: { default?: string; choices?: readonly string[] } = {}): string | undefined {
    const v = this.any(key);
    if (v === undefined || v === null) return rule.default;
    return checkString(v, this.keyPath(key), rule.choices);
  }

  boolean(key: string, rule: { default: boolean }): boolean;
  boolean(key: string, rule?: { default?: undefined }): boolean | undefined;
  boolean(key: string, rule: { default?: boolean } = {}): boolean | undefined {
    const v = this.any(key);
    if (v === undefined || v === null) return rule.default;
    if (typeof v !== 'boolean') throw new ConfigError(this.keyPath(key), `expected true or false, got ${describe(v)}`);
    return v;
  }

  stringArray(key: string, rule: { default?: string[]; minItems?: number } = {}): string[] | undefined {
    const v = this.any(key);
    if (v === undefined || v === null) return rule.default;
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list)) throw new ConfigError(this.keyPath(key), `expected a list of strings, got ${describe(v)}`);
    list.forEach((item, i) => checkString(item, `${this.keyPath(key)}[${i}]`));
    if (rule.minItems !== undefined && list.length < rule.minItems) {
      throw new ConfigError(this.keyPath(key), `needs at least ${rule.minItems} item(s), got ${list.length}`);
    }
    return list as string[];
  }

  numberArray(key: string, rule: NumberRule & { default?: number[]; minItems?: number; length?: number } = {}): number[] | undefined {
    const v = this.any(key);
    if (v === undefined || v === null) return rule.default;
    if (!Array.isArray(v)) throw new ConfigError(this.keyPath(key), `expected a list of numbers, got ${describe(v)}`);
    if (rule.length !== undefined && v.length !== rule.length) {
      throw new ConfigError(this.keyPath(key), `expected exactly ${rule.length} numbers, got ${v.length}`);
    }
    if (rule.minItems !== undefined && v.length < rule.minItems) {
      throw new ConfigError(this.keyPath(key), `needs at least ${rule.minItems} item(s), got ${v.length}`);
    }
    return v.map((item, i) => checkNumber(item, `${this.keyPath(key)}[${i}]`, `${key}[${i}]`, rule));
  }

  /** A nested options object; call `done()` on it too. `undefined` when absent. */
  object(key: string): OptionReader | undefined {
    const v = this.any(key);
    if (v === undefined || v === null) return undefined;
    return new OptionReader(v, this.keyPath(key));
  }

  /** Rejects every key that was not read, naming the nearest known key. */
  done(): void {
    for (const key of Object.keys(this.raw)) {
      if (!this.seen.has(key)) throw unknownKey(this.keyPath(key), key, [...this.seen]);
    }
  }
}

export function unknownKey(path: string, key: string, known: string[]): ConfigError {
  const near = nearest(key, known);
  const hint = near ? `did you mean '${near}'?` : `known keys: ${known.join(', ') || 'none'}`;
  const err = new ConfigError(path, `unknown key '${key}' (${hint})`);
  err.pointsAtKey = true;
  return err;
}

export function checkNumber(v: unknown, path: string, name: string, rule: NumberRule): number {
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new ConfigError(path, `expected ${rule.integer ? 'an integer' : 'a number'}, got ${describe(v)}`);
  }
  if (rule.integer && !Number.isInteger(v)) throw new ConfigError(path, `expected an integer, got ${v}`);
  const low = rule.min === undefined ? true : rule.minExclusive ? v > rule.min : v >= rule.min;
  const high = rule.max === undefined ? true : rule.maxExclusive ? v < rule.max : v <= rule.max;
  if (!low || !high) throw new ConfigError(path, `${v} is out of range (${rangeText(name, rule)})`);
  return v;
}

export function rangeText(name: string, rule: NumberRule): string {
  const lo = rule.min === undefined ? '' : `${rule.min} ${rule.minExclusive ? '<' : '≤'} `;
  const hi = rule.max === undefined ? '' : ` ${rule.maxExclusive ? '<' : '≤'} ${rule.max}`;
  if (lo && hi) return `${lo}${name}${hi}`;
  if (lo) return `${name} ${rule.minExclusive ? '>' : '≥'} ${rule.min}`;
  return `${name}${hi}`;
}

export function checkString(v: unknown, path: string, choices?: readonly string[]): string {
  if (typeof v !== 'string') throw new ConfigError(path, `expected a string, got ${describe(v)}`);
  if (choices && !choices.includes(v)) {
    throw new ConfigError(path, `'${v}' is not one of ${choices.join(', ')}`);
  }
  return v;
}

/** Short, human rendering of a value for messages (never `[object Object]`). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 40)})`;
  if (typeof v === 'object') return `a mapping (${JSON.stringify(v).slice(0, 40)})`;
  return String(v);
}

export function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The candidate with the smallest edit distance, if it is close enough to be a plausible typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 2)) ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(up + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
