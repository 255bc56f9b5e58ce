import type { Command } from 'commander';
import { PianoLstmError } from '@piano-lstm/core';
import type { CommandKit } from '../command-kit';

export function registerReport(program: Command, kit: CommandKit): void {
  program
    .command('report [runDir]')
    .description('rebuild the report.html of a run')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(
      kit.action(() => {
        throw new PianoLstmError("the 'report' command is not built yet (issue #9)");
      }),
    );
}
