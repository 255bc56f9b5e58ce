import * as path from 'node:path';
import type { Command } from 'commander';
import { onSigint, queueSettings, runWorker } from '@piano-lstm/sweep';
import type { CommandKit } from '../command-kit';
import { cliLauncher } from './sweep';

export function registerWorker(program: Command, kit: CommandKit): void {
  program
    .command('worker')
    .description('take sweep trials from a BullMQ queue and train them, one at a time, until Ctrl-C')
    .requiredOption('--queue <redis-url>', 'the Redis the sweeps were queued on, e.g. redis://queue-host:6379')
    .option('--runs <dir>', 'the runs folder the sweep host uses (a shared mount; default ./runs)')
    .option('--sweep <name>', 'only trials of this sweep (default: every queued sweep)')
    .action(
      kit.action(async (opts: { queue: string; runs?: string; sweep?: string }) => {
        const code = await runWorker({ settings: queueSettings(opts.queue), runsRoot: path.resolve(opts.runs ?? 'runs'), sweep: opts.sweep, launcher: cliLauncher, out: kit.io.out, onInterrupt: onSigint });
        if (code === 130) kit.io.err('worker stopped');
        return code;
      }),
    );
}
