import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasCheckpoint, lockHolder, readEpochs } from './run-folder-access';
import { BASE_CONFIG, trialLogPath } from './sweep-files';
import type { TrialRecord } from './sweep-state';

/** How to start the CLI in a child process: `[node, .../bin/piano-lstm.js]` (the CLI injects it). */
export type TrialLauncher = readonly string[];

/** Set in a trial's environment: the trial exits when the process that started it dies (see exitWithParent). */
export const EXIT_WITH_PARENT_ENV = 'PIANO_LSTM_EXIT_WITH_PARENT';

export interface TrialOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Stopped by `interrupt()`: checkpointed, to be resumed. */
  interrupted: boolean;
  resumed: boolean;
  /** The last line the trial wrote to stderr (its error, when it failed). */
  lastLine: string;
}

export interface RunningTrial {
  resumed: boolean;
  done: Promise<TrialOutcome>;
  /** First call: the trial finishes its batch, checkpoints and exits 130; second call: it quits at once. */
  interrupt(): void;
}

export interface TrialOptions {
  sweepDir: string;
  trial: Pick<TrialRecord, 'id' | 'overrides' | 'runDir'>;
  launcher: TrialLauncher;
  /** Epochs finished so far (from the run's metrics log), polled while the trial runs. */
  onEpoch?: (epoch: number) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs one trial as `piano-lstm run` in a child process, writing into the trial's run folder:
 * fresh (`--run-dir`) the first time, `--resume` once it has a checkpoint. Output goes to the trial
 * log in the run folder. The child gets its own process group, so a terminal's Ctrl-C reaches only the
 * sweep or worker, which forwards exactly one SIGINT (a second one would make the trainer quit unsaved).
 */
export async function startTrial(o: TrialOptions): Promise<RunningTrial> {
  const runDir = path.join(o.sweepDir, o.trial.runDir);
  fs.mkdirSync(runDir, { recursive: true });
  await waitForLock(runDir);
  const resumed = hasCheckpoint(runDir);
  const args = resumed ? ['run', '--resume', runDir] : ['run', path.join(o.sweepDir, BASE_CONFIG), ...o.trial.overrides.flatMap((s) => ['--set', s]), '--run-dir', runDir];
  const log = fs.openSync(trialLogPath(runDir), 'a');
  fs.writeSync(log, `# ${new Date().toISOString()} ${resumed ? 'resume' : 'start'} ${o.trial.id}: piano-lstm ${args.join(' ')}\n`);
  const [cmd, ...pre] = o.launcher;
  const child = spawn(cmd, [...pre, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...o.env, [EXIT_WITH_PARENT_ENV]: '1' },
  });
  fs.closeSync(log);
  let interrupts = 0;
  let seen = readEpochs(runDir).length;
  const poll = setInterval(() => {
    const n = readEpochs(runDir).length;
    if (n !== seen) o.onEpoch?.(n);
    seen = n;
  }, 1000);
  const done = new Promise<TrialOutcome>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearInterval(poll);
      resolve({ code, signal, interrupted: interrupts > 0 && (code === 130 || signal !== null), resumed, lastLine: lastLogLine(runDir) });
    };
    child.on('error', (e) => {
      fs.appendFileSync(trialLogPath(runDir), `could not start the trial: ${e.message}\n`);
      finish(null, null);
    });
    child.on('exit', finish);
  });
  return {
    resumed,
    done,
    interrupt: () => {
      interrupts++;
      try {
        child.kill('SIGINT');
      } catch {
        // already gone
      }
    },
  };
}

/** A trial killed together with its worker may still be exiting: give its lock a moment instead of failing. */
async function waitForLock(runDir: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (lockHolder(runDir) !== undefined && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 200));
}

function lastLogLine(runDir: string): string {
  try {
    const lines = fs.readFileSync(trialLogPath(runDir), 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return '';
  }
}

/**
 * In a trial process: exit at once when the sweep or worker that started it dies (SIGKILL, crash),
 * so no orphan keeps training and holding the run folder's lock while another worker takes the trial
 * over. Checked between batches (training blocks the event loop for a batch at a time).
 */
export function exitWithParent(everyMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  }, everyMs);
  timer.unref();
}
