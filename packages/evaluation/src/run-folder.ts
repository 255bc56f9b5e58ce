import * as fs from 'node:fs';
import * as path from 'node:path';
import { isNamedCorpus, parseExperiment } from '@piano-lstm/core';
import { listMidiFiles } from './midi-notes';
import { EVALUATION_FILE, RunEvaluation } from './run-evaluation';

/** One line of `metrics.jsonl`. */
export interface EpochMetrics {
  epoch: number;
  loss?: number;
  val_loss?: number;
  samples_per_s?: number;
  seconds?: number;
  [key: string]: unknown;
}

/** `corpus.json`: the files the run learned from, the ones skipped and why, and token counts. */
export interface CorpusSummary {
  files: { path: string; tokens: number | null }[];
  skipped: { path: string; reason: string }[];
  tokens: number | null;
  vocab_size: number | null;
}

/** Everything a run folder holds that the report shows; any file may be missing. */
export interface RunFolderContents {
  dir: string;
  name: string;
  configText: string | null;
  config: Record<string, unknown> | null;
  vocab: string[] | null;
  epochs: EpochMetrics[];
  samples: string[];
  corpus: CorpusSummary | null;
  evaluation: RunEvaluation | null;
  /** Problems met while reading (a bad line, an unreadable file), shown in the report instead of failing. */
  warnings: string[];
}

const RUN_MARKERS = ['config.yaml', 'metrics.jsonl', 'corpus.json', EVALUATION_FILE];

/** A folder is taken for a run folder when it holds one of the files `run` writes. */
export function isRunFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && RUN_MARKERS.some((f) => fs.existsSync(path.join(dir, f)));
  } catch {
    return false;
  }
}

export function readRunFolder(dir: string): RunFolderContents {
  const abs = path.resolve(dir);
  const warnings: string[] = [];
  const read = (name: string): string | null => {
    const file = path.join(abs, name);
    if (!fs.existsSync(file)) return null;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      warnings.push(`${name}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return null;
    }
  };
  const json = <T>(name: string): T | null => {
    const text = read(name);
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      warnings.push(`${name}: not valid JSON (${(e as Error).message})`);
      return null;
    }
  };

  const configText = read('config.yaml');
  let config: Record<string, unknown> | null = null;
  if (configText !== null) {
    try {
      config = parseExperiment(configText, { file: path.join(abs, 'config.yaml'), baseDir: abs }).data;
    } catch (e) {
      warnings.push(`config.yaml: ${(e as Error).message}`);
    }
  }
  const vocabRaw = json<unknown>('vocab.json');
  const vocab = Array.isArray(vocabRaw) ? vocabRaw.map(String) : isObject(vocabRaw) && Array.isArray(vocabRaw.vocabulary) ? vocabRaw.vocabulary.map(String) : null;
  if (vocabRaw !== null && vocab === null) warnings.push('vocab.json: expected a list of tokens');

  const epochs: EpochMetrics[] = [];
  const metricsText = read('metrics.jsonl');
  metricsText
    ?.split('\n')
    .map((l) => l.trim())
    .forEach((line, i) => {
      if (!line) return;
      try {
        const obj = JSON.parse(line) as EpochMetrics;
        if (isObject(obj) && typeof obj.epoch === 'number') epochs.push(obj);
        else warnings.push(`metrics.jsonl line ${i + 1}: no epoch number`);
      } catch {
        warnings.push(`metrics.jsonl line ${i + 1}: not valid JSON`);
      }
    });

  const samplesDir = path.join(abs, 'samples');
  const samples = fs.existsSync(samplesDir) ? listMidiFiles([samplesDir]) : [];
  const corpus = readCorpusSummary(json<unknown>('corpus.json'), abs, warnings);
  const evaluationRaw = json<unknown>(EVALUATION_FILE);
  let evaluation: RunEvaluation | null = null;
  if (isObject(evaluationRaw) && isObject(evaluationRaw.baselines) && isObject(evaluationRaw.comparison)) evaluation = evaluationRaw as unknown as RunEvaluation;
  else if (evaluationRaw !== null) warnings.push(`${EVALUATION_FILE}: expected { baselines, comparison }`);

  const configName = typeof config?.name === 'string' ? config.name : null;
  const name = configName ?? path.basename(path.dirname(abs));
  return { dir: abs, name, configText, config, vocab, epochs, samples, corpus, evaluation, warnings };
}

function readCorpusSummary(raw: unknown, runDir: string, warnings: string[]): CorpusSummary | null {
  if (raw === null) return null;
  if (!isObject(raw)) {
    warnings.push('corpus.json: expected an object with files and skipped');
    return null;
  }
  const count = (v: unknown): number | null => (typeof v === 'number' ? v : Array.isArray(v) ? v.length : null);
  const files = (Array.isArray(raw.files) ? raw.files : [])
    .map((f: unknown) => (typeof f === 'string' ? { path: f } : f))
    .filter((f): f is Record<string, unknown> => isObject(f) && typeof f.path === 'string')
    .map((f) => ({ path: isNamedCorpus(f.path as string) ? (f.path as string) : path.resolve(runDir, f.path as string), tokens: count(f.tokens) }));
  const skipped = (Array.isArray(raw.skipped) ? raw.skipped : [])
    .filter((f): f is Record<string, unknown> => isObject(f) && typeof f.path === 'string')
    .map((f) => ({ path: f.path as string, reason: typeof f.reason === 'string' ? f.reason : 'no reason given' }));
  const fileTokens = files.every((f) => f.tokens !== null) && files.length ? files.reduce((s, f) => s + (f.tokens ?? 0), 0) : null;
  return {
    files,
    skipped,
    tokens: typeof raw.tokens === 'number' ? raw.tokens : fileTokens,
    vocab_size: typeof raw.vocab_size === 'number' ? raw.vocab_size : typeof raw.vocabSize === 'number' ? raw.vocabSize : null,
  };
}

/**
 * The training corpus of a run, as MIDI paths that exist: the files listed in corpus.json, else the
 * config's source.paths. Built-in corpora (`builtin:…`) are always there: midi-io makes their bytes.
 */
export function runCorpusPaths(run: RunFolderContents): { paths: string[]; note: string | null } {
  const exists = (p: string) => isNamedCorpus(p) || fs.existsSync(p);
  if (run.corpus && run.corpus.files.length) {
    const paths = run.corpus.files.map((f) => f.path).filter(exists);
    const missing = run.corpus.files.length - paths.length;
    return { paths, note: missing ? `${missing} of ${run.corpus.files.length} corpus files listed in corpus.json are no longer on disk` : null };
  }
  const source = isObject(run.config?.source) ? run.config!.source : null;
  const listed = source && Array.isArray(source.paths) ? source.paths.filter((p): p is string => typeof p === 'string') : [];
  const resolve = (p: string) => (isNamedCorpus(p) ? p : path.resolve(run.dir, p));
  const paths = listed.map(resolve).filter(exists);
  if (!listed.length) return { paths, note: 'the run names no corpus (no corpus.json, no source.paths in config.yaml)' };
  return { paths, note: paths.length < listed.length ? `some source.paths cannot be read back: ${listed.filter((p) => !paths.includes(resolve(p))).join(', ')}` : null };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
