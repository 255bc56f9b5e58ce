import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRunFolder, isRunFolder, type EpochMetrics, type RunEvaluation } from '@piano-lstm/evaluation';

/**
 * Every run-folder file this package reads or writes goes through here, so the names live in one
 * place (core's RunFolder will own them; this module is the one to switch over).
 */
export const TRIAL_LOG = 'trial.log';
const LATEST = 'latest';
const REPORT = 'report.html';
const LOCK_OWNER = '.lock-owner.json';

export interface RunFolderView {
  dir: string;
  config: Record<string, unknown> | null;
  epochs: EpochMetrics[];
  evaluation: RunEvaluation | null;
  /** report.html when it exists. */
  report: string | null;
}

export function isRun(dir: string): boolean {
  return isRunFolder(dir);
}

export function readRun(dir: string): RunFolderView {
  const run = readRunFolder(dir);
  const report = path.join(run.dir, REPORT);
  return { dir: run.dir, config: run.config, epochs: run.epochs, evaluation: run.evaluation, report: fs.existsSync(report) ? report : null };
}

/** Only the epochs (cheap: for progress and objectives). */
export function readEpochs(dir: string): EpochMetrics[] {
  return fs.existsSync(dir) ? readRunFolder(dir).epochs : [];
}

/** A trial that trained at least one checkpoint resumes from it (`run --resume`) instead of starting over. */
export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, LATEST)) && fs.existsSync(path.join(dir, 'config.yaml'));
}

export function trialLogPath(dir: string): string {
  return path.join(dir, TRIAL_LOG);
}

/**
 * A process on this machine that still holds the run folder's lock (a trial killed with its worker
 * may take a moment to exit); undefined when the lock is free or its owner is gone.
 */
export function liveLocalLockOwner(dir: string): number | undefined {
  let owner: { pid?: number; host?: string };
  try {
    owner = JSON.parse(fs.readFileSync(path.join(dir, LOCK_OWNER), 'utf8'));
  } catch {
    return undefined;
  }
  if (owner.host !== os.hostname() || typeof owner.pid !== 'number' || owner.pid === process.pid) return undefined;
  try {
    process.kill(owner.pid, 0);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.readFileSync(`/proc/${owner.pid}/stat`, 'utf8');
    if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) return undefined;
  } catch {
    // no /proc: trust kill(0)
  }
  return owner.pid;
}
