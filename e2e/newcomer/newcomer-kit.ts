import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMidiNotes } from '@piano-lstm/midi-io';
import { repoRoot, runCli, tempDir, type CliResult } from '../helpers/cli';

/** The tiny experiment on the built-in corpus: a full `run` takes a few seconds. */
export const TINY_CONFIG = path.join(repoRoot, 'e2e', 'configs', 'tiny.yaml');

/** A finished run of the tiny experiment (with `--set` overrides), in its own temp folder. */
export function tinyRun(sets: string[] = []): { dir: string; runDir: string; run: CliResult } {
  const dir = fs.realpathSync(tempDir('piano-lstm-newcomer-'));
  const run = runCli(['run', TINY_CONFIG, '--runs', path.join(dir, 'runs'), ...sets.flatMap((s) => ['--set', s])], { cwd: dir });
  const runDir = /run folder: (.+)/.exec(run.stdout)?.[1];
  if (run.code !== 0 || !runDir) throw new Error(`tiny run failed (${run.code}): ${run.stderr}`);
  return { dir, runDir, run };
}

/** stderr lines other than progress (backend, parse counts, timings, checkpoint used). */
export function problems(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l && !/^(backend|parsed \d+ files?|generated |checkpoint used)/.test(l));
}

export function midiOf(file: string) {
  return readMidiNotes(fs.readFileSync(file));
}
