import type { Command } from 'commander';
import { PianoLstmError } from '@piano-lstm/core';
import type { CommandKit } from '../command-kit';

export function registerNotes(program: Command, kit: CommandKit): void {
  program
    .command('notes [paths...]')
    .description('parse MIDI files into tokens')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(
      kit.action(() => {
        throw new PianoLstmError("the 'notes' command is not built yet (issue #4)");
      }),
    );
}
