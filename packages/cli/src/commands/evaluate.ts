import type { Command } from 'commander';
import { evaluatePaths, formatEvaluation } from '@piano-lstm/evaluation';
import { collect } from '../app';
import type { CommandKit } from '../command-kit';

export function registerEvaluate(program: Command, kit: CommandKit): void {
  program
    .command('evaluate')
    .argument('<paths...>', 'MIDI files, folders of them, or run folders (their samples/ against their corpus)')
    .description('music metrics for MIDI files, folders or run folders; with a run, validation loss vs baselines')
    .option('--against <corpus>', 'reference corpus (file or folder; repeatable); default: a run folder’s own corpus', collect, [])
    .option('--json', 'print JSON (snake_case keys; schema in packages/evaluation/README.md)')
    .action(
      kit.action((paths: string[], opts: { against: string[]; json?: boolean }) => {
        const result = evaluatePaths(paths, { against: opts.against.length ? opts.against : undefined });
        if (opts.json) kit.io.out(JSON.stringify(result, null, 2));
        else for (const line of formatEvaluation(result)) kit.io.out(line);
      }),
    );
}
