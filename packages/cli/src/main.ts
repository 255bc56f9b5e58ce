import 'reflect-metadata';
import { EXIT_WITH_PARENT_ENV, exitWithParent } from '@piano-lstm/sweep';
import { stdio } from './app';
import { reportError } from './errors';
import { buildProgram } from './program';

async function main(): Promise<void> {
  // a sweep's trial: no orphan training on when its sweep or worker is killed
  if (process.env[EXIT_WITH_PARENT_ENV]) exitWithParent();
  const { run } = buildProgram(stdio);
  let code: number;
  try {
    code = await run(process.argv.slice(2));
  } catch (e) {
    code = reportError(e, stdio, process.argv.includes('--verbose'));
  }
  // Flush before exiting: worker threads or wasm handles must not keep a finished command alive.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

void main();
