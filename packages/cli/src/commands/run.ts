import type { Command } from 'commander';
import { PianoLstmError } from '@piano-lstm/core';
import type { CommandKit } from '../command-kit';

export function registerRun(program: Command, kit: CommandKit): void {
  program
    .command('run [config]')
    .description('the whole experiment: parse → encode → train → generate → write')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(
      kit.action(() => {
        throw new PianoLstmError("the 'run' command is not built yet (issue #5)");
      }),
    );
}
