import * as fs from 'node:fs';
import { RunFolder, type EpochMetrics } from '@piano-lstm/core';
import { readRunFolder, type RunEvaluation } from '@piano-lstm/evaluation';

/*
 * What the sweep reads of a trial's run folder. The folder's layout is core's RunFolder's: no file
 * name is spelled here.
 */

export interface RunFolderView {
  dir: string;
  config: Record<string, unknown> | null;
  epochs: EpochMetrics[];
  evaluation: RunEvaluation | null;
  /** The run's HTML report when it exists. */
  report: string | null;
}

export function isRun(dir: string): boolean {
  return RunFolder.isRunFolder(dir);
}

export function readRun(dir: string): RunFolderView {
  const run = readRunFolder(dir);
  const report = RunFolder.at(run.dir).file('report');
  return { dir: run.dir, config: run.config, epochs: run.epochs, evaluation: run.evaluation, report: fs.existsSync(report) ? report : null };
}

/** Only the epochs (cheap: polled for progress, read for objectives); none when the folder is not there yet. */
export function readEpochs(dir: string): EpochMetrics[] {
  return RunFolder.at(dir).readMetrics().epochs;
}

/** A trial that trained at least one checkpoint resumes from it (`run --resume`) instead of starting over. */
export function hasCheckpoint(dir: string): boolean {
  const run = RunFolder.at(dir);
  return run.readMark('latest') !== undefined && fs.existsSync(run.file('config'));
}

/**
 * A process on this machine that still holds the run folder's lock (a trial killed with its worker
 * may take a moment to exit); undefined when the lock is free or its owner is gone.
 */
export function lockHolder(dir: string): number | undefined {
  return RunFolder.at(dir).lockHolder();
}
