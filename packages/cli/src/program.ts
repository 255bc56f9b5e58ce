import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { Output, setCacheDir, stdio } from './app';
import { createKit } from './command-kit';
import { commands } from './commands';

/** Builds the `piano-lstm` program; `run(argv)` resolves to the exit code instead of exiting (tests call it in-process). */
export function buildProgram(io: Output = stdio) {
  const program: Command = new Command('piano-lstm')
    .description('Learn music from MIDI with recurrent networks: parse, encode, train, generate, evaluate.')
    .version(cliVersion(), '-V, --version', 'print the version of piano-lstm')
    .option('--verbose', 'print stack traces and debug output')
    .option('--cache <dir>', 'token cache folder (default: PIANO_LSTM_CACHE, else $XDG_CACHE_HOME/piano-lstm or ~/.cache/piano-lstm)')
    .hook('preAction', (root: Command) => setCacheDir(root.opts().cache as string | undefined))
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(oneLine(s)) });
  const kit = createKit(program, io);
  for (const register of commands) register(program, kit);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(oneLine(s)) });
  const run = async (argv: string[]): Promise<number> => {
    try {
      await program.parseAsync(argv, { from: 'user' });
      return kit.exitCode;
    } catch (e) {
      if (e instanceof CommanderError) {
        return e.exitCode === 0 ? 0 : 2;
      }
      throw e;
    }
  };
  return { program, run };
}

/** Commander puts its suggestion on a line of its own: `unknown option '--temprature' (did you mean --temperature?)` reads as one. */
function oneLine(s: string): string {
  return s.trimEnd().replace(/\n\(Did you mean (.+?)\?\)/, ' (did you mean $1?)');
}

/** The version of this package (`@piano-lstm/cli`), from its package.json (beside dist/ and src/). */
export function cliVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}
