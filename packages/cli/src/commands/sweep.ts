import * as path from 'node:path';
import type { Command } from 'commander';
import { InputError, InterruptedError, PianoLstmError } from '@piano-lstm/core';
import {
  checkQueueUrl,
  compareFolders,
  connectRedis,
  enqueueTrials,
  followSweep,
  formatComparison,
  onSigint,
  openSweepFolder,
  planSweep,
  queueSettings,
  readSweepState,
  redactUrl,
  runLocalSweep,
  unfinished,
  writeSweepReport,
  type ExperimentCheck,
  type TrialLauncher,
} from '@piano-lstm/sweep';
import { checkSourcePaths, loadExperiment } from '../app';
import type { CommandKit } from '../command-kit';

interface SweepOptions {
  runs?: string;
  parallel: string;
  resume?: string;
  new?: boolean;
  queue?: string;
  detach?: boolean;
}

/** Each trial is `piano-lstm run` in a child process: this very CLI. */
export const cliLauncher: TrialLauncher = [process.execPath, path.resolve(__dirname, '..', '..', 'bin', 'piano-lstm.js')];

/** The sweep's trials are checked with the same loader `run` uses: plugins, every stage type and option, source paths. */
export const checkExperiment: ExperimentCheck = (file, overrides) => {
  const loaded = loadExperiment(file, overrides);
  checkSourcePaths(loaded);
  return loaded.experiment;
};

export function registerSweep(program: Command, kit: CommandKit): void {
  program
    .command('sweep')
    .argument('<sweep.yaml>', 'a sweep file: base experiment, grid and/or random parameters, objective')
    .description('run a grid or random search: each trial an ordinary run folder under <runs>/<name>/<stamp>/trial-NNN (rerun to resume)')
    .option('--runs <dir>', 'where sweep folders are created (default ./runs)')
    .option('--parallel <n>', 'trials trained at the same time on this machine', '1')
    .option('--resume <sweepDir>', 'continue this sweep folder (default: the newest unfinished sweep of the same name and plan)')
    .option('--new', 'start a new sweep folder even when an unfinished one exists')
    .option('--queue <redis-url>', 'put the trials on a BullMQ queue on this Redis for `piano-lstm worker` processes, and follow them')
    .option('--detach', 'with --queue: return once the trials are queued')
    .action(kit.action((file: string, opts: SweepOptions) => sweepCommand(file, opts, kit)));
}

async function sweepCommand(file: string, opts: SweepOptions, kit: CommandKit): Promise<number> {
  const parallel = Number(opts.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw new InputError(`--parallel ${opts.parallel}: expected a whole number from 1 to 64`);
  if (opts.detach && !opts.queue) throw new InputError('--detach needs --queue (a local sweep runs in this process)');
  if (opts.resume && opts.new) throw new InputError('--resume and --new exclude each other');
  const plan = planSweep(file, checkExperiment);
  for (const n of plan.notes) kit.io.err(`note: ${n}`);
  const runsRoot = path.resolve(opts.runs ?? 'runs');
  if (opts.queue) {
    checkQueueUrl(opts.queue);
    (await connectRedis(opts.queue)).disconnect(); // before any folder is made: no Redis, no sweep
  }
  const queue = opts.queue ? { url: redactUrl(opts.queue), name: `sweep-${plan.spec.name}` } : undefined;
  const opened = openSweepFolder(plan, { runsRoot, resume: opts.resume, fresh: opts.new, mode: opts.queue ? 'queue' : 'local', ...(queue ? { queue } : {}) });
  const { dir, state } = opened;
  kit.io.out(`sweep folder: ${dir}`);
  const left = unfinished(state).length;
  kit.io.out(
    opened.continued
      ? `continuing: ${state.trials.length - left} of ${state.trials.length} trials done (kept), ${left} to run (--new starts over)`
      : `${state.trials.length} trials, ranked by ${plan.objective.metric} (${plan.objective.mode})`,
  );
  const resumeHint = `piano-lstm sweep ${path.resolve(file)} --resume ${dir}${opts.queue ? ` --queue ${redactUrl(opts.queue)}` : ''}`;
  let outcome: { interrupted: boolean; failed: number };
  if (opts.queue) {
    const settings = queueSettings(opts.queue);
    const { queue: name, added } = await enqueueTrials({ settings, dir, runsRoot });
    kit.io.out(`queued ${added.length} trial(s) on ${name} at ${redactUrl(opts.queue)}; start workers with: piano-lstm worker --queue ${redactUrl(opts.queue)} --runs ${runsRoot}`);
    if (opts.detach) {
      kit.io.out(`follow it with: ${resumeHint}`);
      return 0;
    }
    outcome = await followSweep({ settings, dir, out: kit.io.out, onInterrupt: onSigint });
    if (outcome.interrupted) throw new InterruptedError(`stopped following; the trials stay queued. Follow again with: ${resumeHint}`);
  } else {
    outcome = await runLocalSweep({ dir, launcher: cliLauncher, parallel, out: kit.io.out, onInterrupt: onSigint });
  }
  return finish(dir, outcome, resumeHint, kit);
}

function finish(dir: string, outcome: { interrupted: boolean; failed: number }, resumeHint: string, kit: CommandKit): number {
  const report = writeSweepReport(dir);
  for (const line of formatComparison(compareFolders([dir]))) kit.io.out(line);
  kit.io.out(`sweep report: ${report}`);
  kit.io.out(`sweep folder: ${dir}`);
  if (outcome.interrupted) throw new InterruptedError(`interrupted; running trials were checkpointed. Resume with: ${resumeHint}`);
  if (outcome.failed) {
    const state = readSweepState(dir);
    const first = state.trials.find((t) => t.status === 'failed');
    throw new PianoLstmError(`${outcome.failed} of ${state.trials.length} trials failed (first: ${first?.id}: ${first?.error}); fix the cause and rerun the same command to retry them`);
  }
  return 0;
}
