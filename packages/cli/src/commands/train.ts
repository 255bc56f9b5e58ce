import type { Command } from 'commander';
import { PianoLstmError } from '@piano-lstm/core';
import type { CommandKit } from '../command-kit';

export function registerTrain(program: Command, kit: CommandKit): void {
  program
    .command('train [config]')
    .description('parse, encode, train and checkpoint')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(
      kit.action(() => {
        throw new PianoLstmError("the 'train' command is not built yet (issue #5)");
      }),
    );
}
