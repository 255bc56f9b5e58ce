import type { Command } from 'commander';
import { releaseRunFolders } from '@piano-lstm/core';
import { Output, stdio } from './app';
import { reportError } from './errors';

/** What each command file gets: output streams, the --verbose flag, and `action` for uniform error handling. */
export interface CommandKit {
  io: Output;
  verbose(): boolean;
  /** Wraps a command body: errors become one line on stderr and an exit code (0/1/2/130). */
  action<A extends unknown[]>(body: (...args: A) => Promise<number | void> | number | void): (...args: A) => Promise<void>;
  /** Exit code of the last action run. */
  exitCode: number;
}

export function createKit(program: Command, io: Output = stdio): CommandKit {
  const kit: CommandKit = {
    io,
    exitCode: 0,
    verbose: () => Boolean(program.opts().verbose),
    action:
      (body) =>
      async (...args) => {
        try {
          const code = await body(...args);
          kit.exitCode = typeof code === 'number' ? code : 0;
        } catch (e) {
          kit.exitCode = reportError(e, io, kit.verbose());
        } finally {
          releaseRunFolders();
        }
      },
  };
  return kit;
}

export type RegisterCommand = (program: Command, kit: CommandKit) => void;
