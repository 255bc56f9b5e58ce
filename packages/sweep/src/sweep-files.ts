import * as path from 'node:path';

/*
 * The files a sweep writes, named here once. A trial's run folder is an ordinary run folder (its
 * files are core's RunFolder's); only the trial log inside it is the sweep's.
 */

/** The sweep's state: its plan, objective and every trial's status and attempts. */
export const SWEEP_FILE = 'sweep.json';
/** The base experiment as resolved when the sweep started: every trial (and every resume) starts from it. */
export const BASE_CONFIG = 'base.yaml';
/** The sweep's report: the trials' table, the objective against each varied key, the loss curves. */
export const SWEEP_REPORT = 'sweep.html';
/** The lock (a directory) serialising read-modify-writes of the sweep's state. */
export const SWEEP_LOCK = '.sweep.lock';
/** In a trial's run folder: each session's command line and output. */
export const TRIAL_LOG = 'trial.log';
const TRIAL_PREFIX = 'trial-';

/** A trial's id, which is also its run folder's name in the sweep folder: `trial-001`. */
export function trialId(index: number): string {
  return `${TRIAL_PREFIX}${String(index).padStart(3, '0')}`;
}

/** `trial-002` → 2 (undefined for an id this package did not make). */
export function trialNumber(id: string): number | undefined {
  const n = id.startsWith(TRIAL_PREFIX) ? Number(id.slice(TRIAL_PREFIX.length)) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** `trial-NNN`, for messages. */
export const TRIAL_PATTERN = `${TRIAL_PREFIX}NNN`;

export function trialLogPath(runDir: string): string {
  return path.join(runDir, TRIAL_LOG);
}
