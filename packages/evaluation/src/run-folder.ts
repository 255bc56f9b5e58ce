import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, RunFolder, isNamedCorpus, parseExperiment, type EpochMetrics, type RunFile } from '@piano-lstm/core';
import { listMidiFiles } from './midi-notes';
import { RunEvaluation } from './run-evaluation';

export type { EpochMetrics } from '@piano-lstm/core';

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

/** A folder is taken for a run folder when it holds one of the files `run` writes. */
export function isRunFolder(dir: string): boolean {
  return RunFolder.isRunFolder(dir);
}

export function readRunFolder(dir: string): RunFolderContents {
  const run = RunFolder.at(dir);
  const abs = run.dir;
  const warnings: string[] = [];
  const read = (which: RunFile): string | null => {
    const name = RUN_FILES[which];
    const file = run.file(which);
    if (!fs.existsSync(file)) return null;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      warnings.push(`${name}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return null;
    }
  };
  const json = <T>(which: RunFile): T | null => {
    const text = read(which);
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      warnings.push(`${RUN_FILES[which]}: not valid JSON (${(e as Error).message})`);
      return null;
    }
  };

  const configText = read('config');
  let config: Record<string, unknown> | null = null;
  if (configText !== null) {
    try {
      config = parseExperiment(configText, { file: run.file('config'), baseDir: abs }).data;
    } catch (e) {
      warnings.push(`${RUN_FILES.config}: ${(e as Error).message}`);
    }
  }
  const vocabRaw = json<unknown>('vocab');
  const vocab = Array.isArray(vocabRaw) ? vocabRaw.map(String) : isObject(vocabRaw) && Array.isArray(vocabRaw.vocabulary) ? vocabRaw.vocabulary.map(String) : null;
  if (vocabRaw !== null && vocab === null) warnings.push(`${RUN_FILES.vocab}: expected a list of tokens`);

  let epochs: EpochMetrics[] = [];
  if (read('metrics') !== null) {
    const metrics = run.readMetrics();
    epochs = metrics.epochs;
    warnings.push(...metrics.warnings);
  }

  const samples = fs.existsSync(run.samplesDir) ? listMidiFiles([run.samplesDir]) : [];
  const corpus = readCorpusSummary(json<unknown>('corpus'), abs, warnings);
  const evaluationRaw = json<unknown>('evaluation');
  let evaluation: RunEvaluation | null = null;
  if (isObject(evaluationRaw) && isObject(evaluationRaw.baselines) && isObject(evaluationRaw.comparison)) evaluation = evaluationRaw as unknown as RunEvaluation;
  else if (evaluationRaw !== null) warnings.push(`${RUN_FILES.evaluation}: expected { baselines, comparison }`);

  const configName = typeof config?.name === 'string' ? config.name : null;
  const name = configName ?? path.basename(path.dirname(abs));
  return { dir: abs, name, configText, config, vocab, epochs, samples, corpus, evaluation, warnings };
}

function readCorpusSummary(raw: unknown, runDir: string, warnings: string[]): CorpusSummary | null {
  if (raw === null) return null;
  if (!isObject(raw)) {
    warnings.push(`${RUN_FILES.corpus}: expected an object with files and skipped`);
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
    return { paths, note: missing ? `${missing} of ${run.corpus.files.length} corpus files listed in ${RUN_FILES.corpus} are no longer on disk` : null };
  }
  const source = isObject(run.config?.source) ? run.config!.source : null;
  const listed = source && Array.isArray(source.paths) ? source.paths.filter((p): p is string => typeof p === 'string') : [];
  const resolve = (p: string) => (isNamedCorpus(p) ? p : path.resolve(run.dir, p));
  const paths = listed.map(resolve).filter(exists);
  if (!listed.length) return { paths, note: `the run names no corpus (no ${RUN_FILES.corpus}, no source.paths in ${RUN_FILES.config})` };
  return { paths, note: paths.length < listed.length ? `some source.paths cannot be read back: ${listed.filter((p) => !paths.includes(resolve(p))).join(', ')}` : null };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
