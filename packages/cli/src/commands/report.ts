import type { Command } from 'commander';
import { writeReport } from '@piano-lstm/evaluation';
import type { CommandKit } from '../command-kit';

export function registerReport(program: Command, kit: CommandKit): void {
  program
    .command('report')
    .argument('<runDir>', 'a run folder (as printed by run/train)')
    .description('rebuild the self-contained report.html of a run and print its path')
    .action(
      kit.action((runDir: string) => {
        kit.io.out(writeReport(runDir));
      }),
    );
}
