import type { Command } from 'commander';
import { PianoLstmError } from '@piano-lstm/core';
import type { CommandKit } from '../command-kit';

export function registerGenerate(program: Command, kit: CommandKit): void {
  program
    .command('generate')
    .description('sample new pieces from the best checkpoint of a run')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(
      kit.action(() => {
        throw new PianoLstmError("the 'generate' command is not built yet (issue #6)");
      }),
    );
}
