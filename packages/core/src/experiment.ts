import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import { ConfigError, PianoLstmError, SourceLocation } from './errors';
import { OptionReader, describe, isPlainObject, unknownKey } from './options';
import { STAGE_SECTION, StageName, StageRegistry } from './registry';

export const BACKENDS = ['auto', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export const GENERATE_MODES = ['window', 'stateful', 'beam'] as const;
export type GenerateMode = (typeof GENERATE_MODES)[number];

/** A stage as the experiment names it, options validated and defaults filled in. */
export interface StageSpec<O = Record<string, unknown>> {
  type: string;
  options: O;
}

export interface SourceSpec<O = Record<string, unknown>> extends StageSpec<O> {
  /** Files, folders or `builtin:<name>`, already resolved against the YAML file's folder. */
  paths: string[];
}

export interface GenerateSection {
  length: number;
  count: number;
  /** `random-window` (the notebook), a MIDI file path, or inline tokens. */
  primer: string | string[];
  mode: GenerateMode;
  /** Beam width for `mode: beam`. */
  width: number;
}

export interface Experiment {
  name: string;
  seed: number;
  backend: BackendChoice;
  plugins: string[];
  source: SourceSpec;
  encoder: StageSpec;
  model: StageSpec;
  trainer: StageSpec;
  sampler: StageSpec;
  generate: GenerateSection;
  sink: StageSpec;
}

export const TOP_LEVEL_KEYS = ['name', 'seed', 'backend', 'plugins', 'source', 'encoder', 'model', 'trainer', 'sampler', 'generate', 'sink'] as const;

const STAGE_OF_SECTION: Record<string, StageName> = Object.fromEntries(
  Object.entries(STAGE_SECTION).map(([stage, section]) => [section, stage as StageName]),
);

const STAGE_SECTIONS = new Set(Object.values(STAGE_SECTION));

const DEFAULT_STAGES: Partial<Record<string, string>> = { sampler: 'argmax', sink: 'seed-midi', trainer: 'supervised' };

/** A parsed YAML experiment before stage options are checked (plugins must load first). */
export interface ExperimentDocument {
  file?: string;
  baseDir: string;
  data: Record<string, unknown>;
  /** YAML position of a config path such as `model.options.dropout`. */
  locate(path: string, atKey?: boolean): SourceLocation;
}

/** Reads a YAML experiment and applies `--set a.b=c` overrides (values parsed as YAML). */
export function readExperiment(file: string, overrides: readonly string[] = []): ExperimentDocument {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot read config ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)} (check the path)`);
  }
  return parseExperiment(text, { file, baseDir: path.dirname(path.resolve(file)), overrides });
}

export function parseExperiment(
  text: string,
  opts: { file?: string; baseDir?: string; overrides?: readonly string[] } = {},
): ExperimentDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const file = opts.file;
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lines.linePos(e.pos[0]);
    const firstLine = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError('', `YAML syntax error: ${firstLine}`, { file, line: pos.line, column: pos.col });
  }
  if (doc.contents === null || (isScalar(doc.contents) && (doc.contents.value === null || doc.contents.value === ''))) {
    throw new ConfigError('', 'the config is empty; start from configs/quickstart.yaml', { file });
  }
  if (!isMap(doc.contents)) {
    throw new ConfigError('', `a config must be a mapping of sections (${TOP_LEVEL_KEYS.join(', ')})`, { file, line: 1, column: 1 });
  }
  const setPaths: { path: string; expr: string }[] = [];
  for (const expr of opts.overrides ?? []) {
    const eq = expr.indexOf('=');
    if (eq <= 0) throw new ConfigError('', `--set ${expr}: expected key.path=value (e.g. --set trainer.options.epochs=5)`);
    const key = expr.slice(0, eq).trim();
    const raw = expr.slice(eq + 1);
    // Parsed as a YAML node (not a JS value) so token lists keep their source text: `[E5, 4.10]`.
    const valueDoc = parseDocument(raw);
    const node = valueDoc.errors.length > 0 || valueDoc.contents === null ? doc.createNode(raw) : valueDoc.contents;
    const segments = splitPath(key);
    ensureMaps(doc, segments);
    // A stage whose type is swapped on the command line drops the options written for the old type
    // (unless the command line also gives options for it).
    const swapsType = segments.length === 2 && segments[1] === 'type' && STAGE_SECTIONS.has(String(segments[0]));
    if (swapsType) {
      const section = String(segments[0]);
      const before = doc.getIn([section, 'type']);
      const optionsSet = (opts.overrides ?? []).some((o) => o.startsWith(`${section}.options`) || o.startsWith(`${section}=`));
      if (before !== undefined && String(before) !== String((node as { value?: unknown }).value ?? raw) && !optionsSet) doc.deleteIn([section, 'options']);
    }
    doc.setIn(segments, node);
    setPaths.push({ path: key, expr });
  }
  keepTokenText(doc);
  const data = doc.toJS() as Record<string, unknown>;
  const baseDir = opts.baseDir ?? process.cwd();
  const locate = (p: string, atKey = false): SourceLocation => {
    const fromSet = setPaths.filter((s) => p === s.path || p.startsWith(`${s.path}.`) || p.startsWith(`${s.path}[`)).pop();
    if (fromSet) return { file: `--set ${fromSet.expr}` };
    const segments = splitPath(p);
    for (let n = segments.length; n >= 0; n--) {
      const sub = segments.slice(0, n);
      if (atKey && n === segments.length && n > 0) {
        const parent = sub.length > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
        if (isMap(parent)) {
          const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(sub[sub.length - 1]));
          const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
          if (range) return position(range[0]);
        }
        continue;
      }
      const node = n === 0 ? doc.contents : doc.getIn(sub, true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return position(range[0]);
    }
    return { file };
  };
  const position = (offset: number): SourceLocation => {
    const pos = lines.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  return { file, baseDir, data, locate };
}

/** Validates the whole experiment: top-level keys, each stage's type and options. Errors carry file:line:col. */
export function resolveExperiment(docu: ExperimentDocument, registry: StageRegistry): Experiment {
  try {
    return buildExperiment(docu, registry);
  } catch (e) {
    if (e instanceof ConfigError && !e.location.file && e.location.line === undefined) {
      const where = 'typePath' in e && typeof (e as { typePath?: string }).typePath === 'string' ? (e as unknown as { typePath: string }).typePath : e.path;
      e.at(docu.locate(where, e.pointsAtKey));
    }
    throw e;
  }
}

/** Only the top-level sections that need no registry (name, seed, backend, plugins) — read before plugins load. */
export function readPreamble(docu: ExperimentDocument): Pick<Experiment, 'name' | 'seed' | 'backend' | 'plugins'> {
  try {
    const top = new OptionReader(docu.data, '');
    const defaultName = docu.file ? path.basename(docu.file).replace(/\.ya?ml$/i, '') : 'experiment';
    const name = top.string('name', { default: defaultName });
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new ConfigError('name', `'${name}' may only use letters, digits, '.', '_' and '-' (it names the run folder)`);
    }
    const seed = top.int('seed', { default: 42, min: 0, max: 2 ** 31 - 1 });
    const backend = top.string('backend', { default: 'auto', choices: BACKENDS }) as BackendChoice;
    const plugins = (top.stringArray('plugins', { default: [] }) ?? []).map((p) => (p.startsWith('.') ? path.resolve(docu.baseDir, p) : p));
    return { name, seed, backend, plugins };
  } catch (e) {
    if (e instanceof ConfigError && !e.location.file) e.at(docu.locate(e.path, e.pointsAtKey));
    throw e;
  }
}

function buildExperiment(docu: ExperimentDocument, registry: StageRegistry): Experiment {
  const data = docu.data;
  for (const key of Object.keys(data)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) throw unknownKey(key, key, [...TOP_LEVEL_KEYS]);
  }
  const pre = readPreamble(docu);
  const stage = (section: string): StageSpec => readStage(section, data[section], registry, docu.baseDir);
  const source = stage('source') as SourceSpec;
  const encoder = stage('encoder');
  // a model with a target at every step was trained from a zero state at every start: stepping it is exact, and O(1) a note
  const defaultMode: GenerateMode = encoder.options.targets === 'all' ? 'stateful' : 'window';
  return {
    ...pre,
    source,
    encoder,
    model: stage('model'),
    trainer: stage('trainer'),
    sampler: stage('sampler'),
    generate: readGenerate(data.generate, docu.baseDir, defaultMode),
    sink: stage('sink'),
  };
}

function readStage(section: string, raw: unknown, registry: StageRegistry, baseDir: string): StageSpec {
  const stageName = STAGE_OF_SECTION[section];
  if (raw === undefined || raw === null) {
    const fallback = DEFAULT_STAGES[section];
    if (!fallback) {
      throw new ConfigError(section, `missing; add e.g. '${section}: { type: ${registry.types(stageName)[0] ?? '...'} }' (known types: ${registry.types(stageName).join(', ')})`);
    }
    raw = { type: fallback };
  }
  if (typeof raw === 'string') raw = { type: raw };
  if (!isPlainObject(raw)) throw new ConfigError(section, `expected { type, options }, got ${describe(raw)}`);
  const reader = new OptionReader(raw, section);
  const type = reader.any('type');
  const factory = registry.get(stageName, type, `${section}.type`);
  let options: Record<string, unknown>;
  try {
    options = factory.parseOptions(reader.any('options') ?? {}, `${section}.options`) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof PianoLstmError) throw e;
    // a plugin's parseOptions crashed instead of reporting a ConfigError: still one line, exit 2, the path named
    const detail = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new ConfigError(`${section}.options`, `${stageName} type '${factory.type}' could not read its options: ${detail} (check the options; if they look right, report this to the type's author)`);
  }
  let spec: StageSpec = { type: factory.type, options };
  if (section === 'source') {
    const paths = reader.stringArray('paths', { minItems: 1 });
    if (!paths) throw new ConfigError('source', `missing 'paths': list the MIDI files or folders to learn from (or builtin:classical-mini)`);
    spec = { ...spec, paths: paths.map((p) => resolveDataPath(p, baseDir)) } as SourceSpec;
  }
  reader.done();
  return spec;
}

function readGenerate(raw: unknown, baseDir: string, defaultMode: GenerateMode): GenerateSection {
  const r = new OptionReader(raw ?? {}, 'generate');
  const length = r.int('length', { default: 500, min: 1, max: 1_000_000 });
  const count = r.int('count', { default: 1, min: 1, max: 10_000 });
  const mode = r.string('mode', { default: defaultMode, choices: GENERATE_MODES }) as GenerateMode;
  const width = r.int('width', { default: 4, min: 1, max: 256 });
  const primerRaw = r.any('primer');
  let primer: string | string[] = 'random-window';
  if (Array.isArray(primerRaw)) primer = r.stringArray('primer', { minItems: 1 })!;
  else if (primerRaw !== undefined && primerRaw !== null) {
    const p = r.string('primer')!;
    primer = p === 'random-window' ? p : resolveDataPath(p, baseDir);
  }
  r.done();
  return { length, count, primer, mode, width };
}

/** `builtin:classical-mini` and other `scheme:` names, as opposed to file paths (a Windows drive such as `C:/` is a path). */
export function isNamedCorpus(p: string): boolean {
  return /^[a-z]+:/i.test(p) && !/^[a-z]:[\\/]/i.test(p);
}

/** Relative paths resolve against the YAML file's folder; `builtin:` names are left alone. */
export function resolveDataPath(p: string, baseDir: string): string {
  if (isNamedCorpus(p)) return p;
  return path.resolve(baseDir, p);
}

/** `a.b[0].c` → ['a', 'b', 0, 'c'] */
export function splitPath(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of p.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/**
 * Chord tokens look like numbers to YAML (`4.9`, `4.10`, `11`): inside an inline primer they are kept
 * as written, so `primer: [E5, 4.10]` means the chord 4.10, not the number 4.1.
 */
function keepTokenText(doc: Document): void {
  const primer = doc.getIn(['generate', 'primer'], true);
  if (!isSeq(primer)) return;
  for (const item of primer.items) {
    if (isScalar(item) && typeof item.value === 'number') item.value = item.source ?? String(item.value);
  }
}

function ensureMaps(doc: Document, segments: (string | number)[]): void {
  for (let n = 1; n < segments.length; n++) {
    const node = doc.getIn(segments.slice(0, n), true);
    if (node === undefined || (isScalar(node) && node.value === null)) {
      doc.setIn(segments.slice(0, n), doc.createNode({}));
    } else if (!isMap(node) && !Array.isArray((node as { items?: unknown }).items)) {
      throw new ConfigError(segments.slice(0, n).join('.'), `--set cannot go inside ${describe((node as { toJSON?: () => unknown }).toJSON?.() ?? node)}`);
    }
  }
}

/** The resolved experiment as YAML (written to the run folder as config.yaml). */
export function experimentToYaml(exp: Experiment): string {
  return `# Resolved experiment: every default filled in. Re-run with: piano-lstm run <this file>\n${stringify(exp, { lineWidth: 0 })}`;
}
