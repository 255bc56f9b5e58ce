import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, RUN_FILES, RunFolder, writeFileAtomic } from '@piano-lstm/core';
import { evaluatePieces, EvaluateOptions } from './evaluate-pieces';
import { loadNotePieces, LoadedPieces, midiErrorReason, readMidiFileInfo } from './midi-notes';
import { renderReport, ReportData, ReportSample } from './report-html';
import { isRunFolder, readRunFolder, runCorpusPaths } from './run-folder';

export const REPORT_FILE = RUN_FILES.report;

export interface ReportOptions extends EvaluateOptions {
  /** Shown as the time the report was written (tests pin it). */
  now?: Date;
}

/** Reads a run folder and measures its samples against its corpus: what the report shows. */
export function collectReportData(runDir: string, options: ReportOptions = {}): ReportData {
  const abs = path.resolve(runDir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new InputError(`run folder ${runDir} does not exist (give the folder printed as 'run folder: …')`, { file: runDir });
  }
  if (!isRunFolder(abs)) {
    const { config, metrics, corpus, evaluation } = RUN_FILES;
    throw new InputError(`${runDir} is not a run folder: it has no ${config}, ${metrics}, ${corpus} or ${evaluation} (give the folder printed as 'run folder: …')`, { file: runDir });
  }
  const run = readRunFolder(abs);
  const samples: ReportSample[] = run.samples.map((file) => {
    const name = path.basename(file);
    try {
      const { notes, bpm } = readMidiFileInfo(fs.readFileSync(file));
      return { name, path: file, notes, bpm, metrics: null, ...(notes.length ? {} : { error: 'no pitched notes' }) };
    } catch (e) {
      return { name, path: file, notes: [], bpm: 120, metrics: null, error: `not a readable MIDI file (${midiErrorReason(e)})` };
    }
  });
  const readable: LoadedPieces = {
    pieces: samples.filter((s) => s.notes.length).map((s) => ({ path: s.path, notes: s.notes })),
    skipped: samples.filter((s) => !s.notes.length).map((s) => ({ path: s.path, reason: s.error ?? 'no notes' })),
  };
  const { paths, note } = runCorpusPaths(run);
  let corpus: LoadedPieces | undefined;
  let corpusNote = note;
  if (paths.length) {
    corpus = loadNotePieces(paths);
    if (!corpus.pieces.length) {
      corpusNote = `no readable MIDI in the corpus (${paths.join(', ')})`;
      corpus = undefined;
    }
  }
  const evaluation = readable.pieces.length ? evaluatePieces(readable, corpus, options) : null;
  if (evaluation) {
    const byPath = new Map(evaluation.samples.pieces.map((p) => [p.path, p]));
    for (const s of samples) s.metrics = byPath.get(s.path) ?? null;
  }
  return { run, generatedAt: options.now ?? new Date(), evaluation, corpusNote, samples };
}

/** Builds `<runDir>/report.html` (self-contained: no network, no external fonts) and returns its path. */
export function writeReport(runDir: string, options: ReportOptions = {}): string {
  const data = collectReportData(runDir, options);
  const file = RunFolder.at(data.run.dir).file('report');
  writeFileAtomic(file, renderReport(data), { force: true });
  return file;
}
