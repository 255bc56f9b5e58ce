import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parse, parseDocument, type Document } from 'yaml';
import { ConfigError, OptionReader, describe, isPlainObject, parseExperiment, type SourceLocation } from '@piano-lstm/core';
import { TRIAL_PATTERN } from './sweep-files';
import { DEFAULT_OBJECTIVE, OBJECTIVE_METRICS, defaultMode, type Objective, type ObjectiveMetric, type ObjectiveMode } from './objective';

/** How a random-search parameter is drawn. */
export type Distribution =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'log-uniform'; low: number; high: number }
  | { kind: 'int'; low: number; high: number }
  | { kind: 'choice'; values: unknown[] };

export interface GridParam {
  key: string;
  values: unknown[];
}

export interface RandomParam {
  key: string;
  dist: Distribution;
}

/** A checked sweep file. `locate` points at an entry of it (for errors found later, e.g. by the base experiment). */
export interface SweepSpec {
  file: string;
  name: string;
  /** The base experiment, absolute. */
  base: string;
  seed: number;
  objective: Objective;
  /** Whether the objective was written in the file (else the default, best val_loss). */
  objectiveGiven: boolean;
  /** Fixed overrides applied to every trial (e.g. fewer epochs than the base), not varied. */
  fixed: { key: string; value: unknown }[];
  grid: GridParam[];
  random: { trials: number; params: RandomParam[] } | null;
  locate(segments: (string | number)[], atKey?: boolean): SourceLocation;
}

const TOP_KEYS = ['name', 'base', 'seed', 'objective', 'set', 'grid', 'random'];
const DISTRIBUTIONS = ['uniform', 'log-uniform', 'int', 'choice'];

export function readSweepFile(file: string): SweepSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot read sweep file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)} (check the path)`);
  }
  return parseSweepFile(text, file);
}

/** Parses and checks a sweep file: every error is one line with file:line:col and, for typos, the nearest key. */
export function parseSweepFile(text: string, file: string): SweepSpec {
  let shape: unknown;
  try {
    shape = parse(text);
  } catch {
    shape = {}; // a syntax error: core's loader reports it with its position below
  }
  if (shape === null || shape === undefined || shape === '') {
    throw new ConfigError('', 'the sweep file is empty; start from configs/sweep-quickstart.yaml', { file });
  }
  if (!isPlainObject(shape)) throw new ConfigError('', `a sweep file must be a mapping (${TOP_KEYS.join(', ')})`, { file, line: 1, column: 1 });
  const docu = parseExperiment(text, { file, baseDir: path.dirname(path.resolve(file)) });
  const locate = locator(text, file);
  try {
    return readSpec(docu.data, file, locate);
  } catch (e) {
    if (e instanceof ConfigError && !e.location.file) e.at(locate(segmentsOf(e.path, docu.data), e.pointsAtKey));
    throw e;
  }
}

function readSpec(data: Record<string, unknown>, file: string, locate: SweepSpec['locate']): SweepSpec {
  const top = new OptionReader(data, '');
  const name = top.string('name', { default: path.basename(file).replace(/\.ya?ml$/i, '') });
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new ConfigError('name', `'${name}' may only use letters, digits, '.', '_' and '-' (it names the sweep folder)`);
  const baseRel = top.string('base');
  if (baseRel === undefined) throw new ConfigError('', `missing 'base': the experiment config the trials start from, relative to this file (e.g. base: quickstart.yaml)`, { file });
  const base = path.resolve(path.dirname(path.resolve(file)), baseRel);
  if (!fs.existsSync(base)) throw new ConfigError('base', `'${baseRel}' does not exist (looked for ${base}); give the experiment config relative to the sweep file`);
  const seed = top.int('seed', { default: 42, min: 0, max: 2 ** 31 - 1 });
  const objectiveGiven = top.has('objective');
  const objective = readObjective(top.object('objective'));
  const fixed = readFixed(top.any('set'));
  const grid = readGrid(top.any('grid'));
  const random = readRandom(top.object('random'));
  top.done();
  if (!grid.length && !random) throw new ConfigError('', `nothing to vary: add grid: { <config key>: { values: [...] } } or random: { trials: N, params: {...} }`, { file });
  const keys = new Set<string>();
  for (const [section, key] of [...fixed.map((f) => ['set', f.key]), ...grid.map((g) => ['grid', g.key]), ...(random?.params ?? []).map((p) => ['random.params', p.key])]) {
    if (keys.has(key)) {
      const err = new ConfigError(`${section}.${key}`, `'${key}' appears twice (in set, grid or random); keep one`);
      err.pointsAtKey = true;
      throw err.at(locate([...section.split('.'), key], true));
    }
    keys.add(key);
  }
  return { file, name, base, seed, objective, objectiveGiven, fixed, grid, random, locate };
}

function readObjective(r: OptionReader | undefined): Objective {
  if (!r) return { ...DEFAULT_OBJECTIVE };
  const metric = r.string('metric', { default: DEFAULT_OBJECTIVE.metric, choices: OBJECTIVE_METRICS }) as ObjectiveMetric;
  const mode = r.string('mode', { default: defaultMode(metric), choices: ['min', 'max'] }) as ObjectiveMode;
  r.done();
  return { metric, mode };
}

function readFixed(raw: unknown): { key: string; value: unknown }[] {
  if (raw === undefined || raw === null) return [];
  if (!isPlainObject(raw)) throw new ConfigError('set', `expected a mapping of config keys to values (as --set), got ${describe(raw)}`);
  return Object.keys(raw).map((key) => {
    checkKey(`set.${key}`, key);
    return { key, value: raw[key] };
  });
}

function readGrid(raw: unknown): GridParam[] {
  if (raw === undefined || raw === null) return [];
  if (!isPlainObject(raw)) throw new ConfigError('grid', `expected a mapping of config keys to { values: [...] }, got ${describe(raw)}`);
  return Object.keys(raw).map((key) => {
    checkKey(`grid.${key}`, key);
    const r = new OptionReader(raw[key], `grid.${key}`);
    const values = r.any('values');
    r.done();
    if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`grid.${key}.values`, `expected a non-empty list of values, got ${describe(values)}`);
    return { key, values };
  });
}

function readRandom(r: OptionReader | undefined): { trials: number; params: RandomParam[] } | null {
  if (!r) return null;
  const trials = r.int('trials', { min: 1, max: 10_000 });
  if (trials === undefined) throw new ConfigError('random', `missing 'trials': how many random trials to draw (e.g. trials: 8)`);
  const raw = r.any('params');
  r.done();
  if (!isPlainObject(raw) || Object.keys(raw).length === 0) throw new ConfigError('random.params', `expected a mapping of config keys to a distribution (${DISTRIBUTIONS.join(', ')}), got ${describe(raw)}`);
  const params = Object.keys(raw).map((key) => ({ key, dist: readDistribution(raw[key], `random.params.${key}`, key) }));
  return { trials, params };
}

function readDistribution(raw: unknown, where: string, key: string): Distribution {
  checkKey(where, key);
  if (!isPlainObject(raw) || Object.keys(raw).length !== 1) {
    throw new ConfigError(where, `expected one of { uniform: [a, b] }, { log-uniform: [a, b] }, { int: [a, b] }, { choice: [...] }, got ${describe(raw)}`);
  }
  const r = new OptionReader(raw, where);
  const kind = Object.keys(raw)[0];
  if (!DISTRIBUTIONS.includes(kind)) {
    r.any('uniform');
    r.any('log-uniform');
    r.any('int');
    r.any('choice');
    r.done();
  }
  if (kind === 'choice') {
    const values = r.any('choice');
    if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`${where}.choice`, `expected a non-empty list of values, got ${describe(values)}`);
    return { kind, values };
  }
  const [low, high] = r.numberArray(kind, { length: 2, integer: kind === 'int', ...(kind === 'log-uniform' ? { min: 0, minExclusive: true } : {}) })!;
  if (!(low < high)) throw new ConfigError(`${where}.${kind}`, `[${low}, ${high}]: the low end must be below the high end`);
  return { kind: kind as 'uniform' | 'log-uniform' | 'int', low, high };
}

function checkKey(where: string, key: string): void {
  if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\[\d+\])*$/.test(key) || key === 'name') {
    const err = new ConfigError(where, key === 'name' ? `the run name cannot be varied (trials are named ${TRIAL_PATTERN})` : `'${key}' is not a config key path (write it as in --set, e.g. model.options.learningRate)`);
    err.pointsAtKey = true;
    throw err;
  }
}

/**
 * `grid.model.options.layers.values[1]` → ['grid', 'model.options.layers', 'values', 1]: a config key
 * under set/grid/random.params is one YAML key, found among the keys the file really has.
 */
export function segmentsOf(p: string, data: Record<string, unknown> = {}): (string | number)[] {
  const split = (q: string) =>
    q.split('.').flatMap((part) => {
      const k = /^([^[]*)((?:\[\d+\])*)$/.exec(part)!;
      return [...(k[1] ? [k[1]] : []), ...[...k[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))];
    });
  for (const section of ['set', 'grid', 'random.params']) {
    if (!p.startsWith(`${section}.`)) continue;
    const rest = p.slice(section.length + 1);
    const holder = section === 'random.params' ? (data.random as { params?: unknown } | undefined)?.params : data[section];
    const keys = isPlainObject(holder) ? Object.keys(holder) : [];
    const key = keys.filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`)).sort((a, b) => b.length - a.length)[0];
    if (key) return [...section.split('.'), key, ...split(rest.slice(key.length).replace(/^\./, ''))];
  }
  return split(p);
}

/** Positions in the sweep file by literal keys (a config key such as `model.options.layers` is one YAML key here). */
function locator(text: string, file: string): SweepSpec['locate'] {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines });
  const at = (offset: number): SourceLocation => {
    const p = lines.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  return (segments, atKey = false) => {
    for (let n = segments.length; n >= 0; n--) {
      const sub = segments.slice(0, n);
      if (atKey && n === segments.length && n > 0) {
        const parent = n > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
        const pair = isMap(parent) ? parent.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(sub[n - 1])) : undefined;
        if (pair && isScalar(pair.key) && pair.key.range) return at(pair.key.range[0]);
        continue;
      }
      const node = n === 0 ? doc.contents : doc.getIn(sub, true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return at(range[0]);
    }
    return { file };
  };
}
