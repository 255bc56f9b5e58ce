import { PianoLstmError, exitCodeOf } from '@piano-lstm/core';
import type { Output } from './app';

/** Prints an error as one line (the stack only with --verbose) and returns the exit code. */
export function reportError(e: unknown, io: Output, verbose: boolean): number {
  const code = exitCodeOf(e);
  if (e instanceof PianoLstmError) {
    io.err(firstLine(e.message));
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`error: ${firstLine(msg)}${verbose ? '' : ' (run again with --verbose for details)'}`);
  }
  if (verbose && e instanceof Error && e.stack) io.err(e.stack);
  return code;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
