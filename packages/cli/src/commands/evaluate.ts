import type { Command } from 'commander';
import { PianoLstmError } from '@piano-lstm/core';
import type { CommandKit } from '../command-kit';

export function registerEvaluate(program: Command, kit: CommandKit): void {
  program
    .command('evaluate [paths...]')
    .description('music metrics for MIDI files, folders or run folders')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(
      kit.action(() => {
        throw new PianoLstmError("the 'evaluate' command is not built yet (issue #9)");
      }),
    );
}
