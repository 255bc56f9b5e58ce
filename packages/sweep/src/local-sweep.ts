import { stepsOf } from './sweep-progress';
import { isFinished, describeSet, runTrialRecorded, trialLine, type TrialResult } from './trial-runner';
import { readSweepState, unfinished } from './sweep-state';
import type { RunningTrial, TrialLauncher } from './trial-process';

export interface LocalSweepOptions {
  dir: string;
  launcher: TrialLauncher;
  parallel: number;
  out(line: string): void;
  /** Registers the Ctrl-C handler; returns its disposer. */
  onInterrupt(handler: () => void): () => void;
}

export interface LocalSweepResult {
  interrupted: boolean;
  failed: number;
  finished: boolean;
}

/**
 * Runs the sweep's unfinished trials on this machine, `parallel` at a time. Ctrl-C: no new trial
 * starts, each running one checkpoints and stops (a second Ctrl-C stops them at once).
 */
export async function runLocalSweep(o: LocalSweepOptions): Promise<LocalSweepResult> {
  const todo = unfinished(readSweepState(o.dir)).map((t) => t.id);
  const running = new Set<RunningTrial>();
  let interrupts = 0;
  const dispose = o.onInterrupt(() => {
    interrupts++;
    o.out(interrupts === 1 ? `stopping: running trials checkpoint and stop… (Ctrl-C again to stop them at once)` : 'stopping at once');
    for (const r of running) r.interrupt();
  });
  const results: TrialResult[] = [];
  const total = readSweepState(o.dir).trials.length;
  const lane = async () => {
    while (todo.length && interrupts === 0) {
      const id = todo.shift()!;
      const t0 = Date.now();
      let me: RunningTrial | undefined;
      const r = await runTrialRecorded(o.dir, id, o.launcher, {
        onStart: (t, trial) => {
          me = t;
          running.add(t);
          if (interrupts > 0) t.interrupt();
          o.out(`${id} ${t.resumed ? 'resumed' : 'started'} (${stepsOf(trial.id, total)}): ${describeSet(trial)}`);
        },
        onEpoch: (epoch) => o.out(`${id} epoch ${epoch} done`),
      });
      if (me) running.delete(me);
      results.push(r);
      o.out(trialLine(r, (Date.now() - t0) / 1000));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.parallel) }, lane));
  } finally {
    dispose();
  }
  return { interrupted: interrupts > 0, failed: results.filter((r) => r.trial.status === 'failed').length, finished: isFinished(readSweepState(o.dir)) };
}
