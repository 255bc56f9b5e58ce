import * as path from 'node:path';
import { bestOf } from './objective';
import { RUN_FILES } from '@piano-lstm/core';
import { formatDuration } from '@piano-lstm/evaluation';
import { readEpochs } from './run-folder-access';
import { trialLogPath } from './sweep-files';
import { trialOf, updateSweepState, whoAmI, type SweepState, type TrialRecord } from './sweep-state';
import { startTrial, type RunningTrial, type TrialLauncher, type TrialOutcome } from './trial-process';

export interface TrialResult {
  trial: TrialRecord;
  outcome: TrialOutcome;
  /** Every trial of the sweep is done or failed now. */
  sweepFinished: boolean;
}

/**
 * One trial, start to end, with its bookkeeping in the sweep's state: running (a new attempt), then done
 * with its objective, failed with the trial's last line, or pending again when it was interrupted.
 */
export async function runTrialRecorded(
  sweepDir: string,
  id: string,
  launcher: TrialLauncher,
  hooks: { onStart?(t: RunningTrial, trial: TrialRecord): void; onEpoch?(epoch: number): void } = {},
): Promise<TrialResult> {
  const trial = await updateSweepState(sweepDir, (s) => {
    const t = trialOf(s, id);
    t.status = 'running';
    for (const a of t.attempts) if (!a.endedAt) a.outcome = 'lost';
    t.attempts.push({ by: whoAmI(), startedAt: new Date().toISOString(), resumed: false });
    delete t.error;
    return t;
  });
  const running = await startTrial({ sweepDir, trial, launcher, onEpoch: hooks.onEpoch });
  hooks.onStart?.(running, trial);
  const outcome = await running.done;
  return updateSweepState(sweepDir, (s) => {
    const t = trialOf(s, id);
    const attempt = t.attempts[t.attempts.length - 1];
    attempt.resumed = outcome.resumed;
    attempt.endedAt = new Date().toISOString();
    if (outcome.code === 0) {
      t.status = 'done';
      attempt.outcome = 'done';
      t.objective = bestOf(readEpochs(path.join(sweepDir, t.runDir)), s.objective);
    } else if (outcome.interrupted) {
      t.status = 'pending';
      attempt.outcome = 'interrupted';
    } else {
      t.status = 'failed';
      attempt.outcome = 'failed';
      t.error = `${outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.code}`}: ${outcome.lastLine} (log: ${trialLogPath(path.join(sweepDir, t.runDir))})`;
    }
    return { trial: t, outcome, sweepFinished: isFinished(s) };
  });
}

export function isFinished(s: SweepState): boolean {
  return s.trials.every((t) => t.status === 'done' || t.status === 'failed');
}

/** The varied values: `model.options.layers=[16] model.options.learningRate=0.003` */
export function describeSet(t: Pick<TrialRecord, 'set'>): string {
  return Object.entries(t.set).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

export function trialLine(r: TrialResult, seconds: number): string {
  const t = r.trial;
  if (t.status === 'done') {
    const o = t.objective;
    return `${t.id} done in ${formatDuration(seconds)}: ${o ? `${o.metric} ${o.value.toFixed(4)} (epoch ${o.epoch})` : `no objective in ${RUN_FILES.metrics}`}`;
  }
  if (t.status === 'pending') return `${t.id} interrupted: checkpointed, resumes from there next time`;
  return `${t.id} failed: ${t.error}`;
}
