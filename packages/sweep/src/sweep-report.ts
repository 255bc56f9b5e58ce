import * as path from 'node:path';
import { writeFileAtomic } from '@piano-lstm/core';
import { compareFolders } from './compare';
import { renderComparison } from './compare-html';
import { SWEEP_REPORT } from './sweep-files';
import { readSweepState } from './sweep-state';

/** Writes the sweep's report in its folder: the trials' table, the objective against each varied key, the loss curves. */
export function writeSweepReport(sweepDir: string, now = new Date()): string {
  const file = path.join(sweepDir, SWEEP_REPORT);
  const state = readSweepState(sweepDir);
  const c = compareFolders([sweepDir], sweepDir, { trialIds: true });
  writeFileAtomic(file, renderComparison(c, { title: `sweep ${state.name}`, outFile: file, now, keyCharts: true }), { force: true });
  return file;
}
