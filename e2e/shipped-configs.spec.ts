import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkSourcePaths, loadExperiment } from '@piano-lstm/cli';
import { isNamedCorpus, readExperiment } from '@piano-lstm/core';
import { corpusInputs, MIDI_EXTENSIONS } from '@piano-lstm/midi-io';
import { expandTrials, readSweepFile, validateTrials } from '@piano-lstm/sweep';
import { repoRoot, runCli, tempDir } from './helpers/cli';

/**
 * Issue 16: every config shipped in configs/ runs from a clone. Parse only (no training): each file
 * loads with the CLI's own loader (plugins, registry, every option; a sweep file with every trial),
 * and its source paths name at least one MIDI file that lives in the repository or is built in —
 * never a folder beside the clone such as ../shared.
 */
const configsDir = path.join(repoRoot, 'configs');
const configs = fs.readdirSync(configsDir).filter((f) => /\.ya?ml$/i.test(f)).sort();

/** The experiment files a config stands for: itself, or a sweep's base. */
function experimentsOf(file: string): string[] {
  if (!('base' in readExperiment(file).data)) return [file];
  const spec = readSweepFile(file);
  validateTrials(spec, expandTrials(spec), (f, overrides) => loadExperiment(f, overrides).experiment);
  return [spec.base];
}

describe('every config in configs/ loads and finds its MIDI from a clone', () => {
  it('ships the configs issue 16 names, on the built-in piano corpus', () => {
    expect(configs).toEqual(expect.arrayContaining(['quickstart.yaml', 'seed-doc.yaml', 'seed-repo.yaml', 'rhythm.yaml']));
    for (const name of ['seed-doc.yaml', 'seed-repo.yaml', 'rhythm.yaml']) {
      expect({ name, paths: loadExperiment(path.join(configsDir, name)).experiment.source.paths }).toEqual({ name, paths: ['builtin:piano'] });
    }
  });

  it.each(configs)('%s', (name) => {
    for (const file of experimentsOf(path.join(configsDir, name))) {
      const loaded = loadExperiment(file);
      checkSourcePaths(loaded);
      const paths = loaded.experiment.source.paths;
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths.filter((q) => !isNamedCorpus(q))) {
        expect({ path: p, insideClone: !path.relative(repoRoot, p).startsWith('..') }).toEqual({ path: p, insideClone: true });
      }
      const midi = [...corpusInputs(paths)].filter((i) => 'bytes' in i && MIDI_EXTENSIONS.test(i.path));
      expect({ file: path.relative(repoRoot, file), midiFiles: midi.length > 0 }).toEqual({ file: path.relative(repoRoot, file), midiFiles: true });
    }
  });
});

/** The recommended piano recipe runs end to end from a clone (2 steps: the recipe's quality is docs/recipes.md's). */
describe('configs/piano.yaml', () => {
  it('runs from a clone: trains, validates against the n-gram, writes samples and a report', () => {
    const dir = fs.realpathSync(tempDir('piano-lstm-piano-'));
    try {
      const sets = ['trainer.options.maxSteps=2', 'generate.length=20', 'generate.count=1'].flatMap((s) => ['--set', s]);
      const r = runCli(['run', path.join(configsDir, 'piano.yaml'), '--runs', path.join(dir, 'runs'), ...sets], { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/parsed 59 files/);
      expect(r.stdout).toMatch(/5-gram Kneser-Ney/);
      expect(r.stdout).toMatch(/sample: .*sample-1\.mid/);
      expect(r.stdout).toMatch(/report: .*report\.html/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
