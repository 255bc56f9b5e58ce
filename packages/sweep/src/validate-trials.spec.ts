import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, parseExperiment, type Experiment } from '@piano-lstm/core';
import { expandTrials } from './expand';
import { parseSweepFile } from './sweep-file';
import { validateTrials, type ExperimentCheck } from './validate-trials';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-validate-'));
const base = path.join(dir, 'base.yaml');
fs.writeFileSync(base, 'name: base\nmodel: { options: { dropout: 0.1 } }\n');
const file = path.join(dir, 'sweep.yaml');

/** A stand-in for the CLI's loader: dropout must be below 1, only `dropout` and `learningRate` exist, errors located the way core locates --set values. */
const check: ExperimentCheck = (f, overrides) => {
  const docu = parseExperiment(fs.readFileSync(f, 'utf8'), { file: f, overrides });
  const options = (docu.data.model as { options: Record<string, unknown> }).options;
  for (const key of Object.keys(options)) {
    if (!['dropout', 'learningRate'].includes(key)) {
      const e = new ConfigError(`model.options.${key}`, `unknown key '${key}' (did you mean 'dropout'?)`);
      e.pointsAtKey = true;
      throw e.at(docu.locate(`model.options.${key}`, true));
    }
  }
  if ((options.dropout as number) >= 1) throw new ConfigError('model.options.dropout', `${options.dropout} is out of range (0 ≤ dropout < 1)`).at(docu.locate('model.options.dropout'));
  return { trainer: { type: 'supervised', options: {} } } as unknown as Experiment;
};

function errorOf(text: string): string {
  fs.writeFileSync(file, text);
  const spec = parseSweepFile(text, file);
  try {
    validateTrials(spec, expandTrials(spec), check);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('validateTrials', () => {
  it('a grid value the base rejects: reported at that value in the sweep file', () => {
    expect(errorOf('base: base.yaml\ngrid:\n  model.options.dropout: { values: [0.2, 1.5] }\n')).toBe(`${file}:3:42 grid.model.options.dropout.values[1]: 1.5 is out of range (0 ≤ dropout < 1) in base.yaml`);
  });

  it('a key the base does not have: reported at the key, with the loader’s did-you-mean', () => {
    expect(errorOf('base: base.yaml\ngrid:\n  model.options.dropuot: { values: [0.2] }\n')).toBe(`${file}:3:3 grid.model.options.dropuot: unknown key 'dropuot' (did you mean 'dropout'?) in base.yaml`);
  });

  it('a random draw the base rejects: reported at the parameter, naming the trial and the value', () => {
    expect(errorOf('base: base.yaml\nseed: 1\nrandom:\n  trials: 20\n  params:\n    model.options.dropout: { uniform: [0.5, 1.5] }\n')).toMatch(
      new RegExp(`^${file.replace(/\./g, '\\.')}:6:5 random\\.params\\.model\\.options\\.dropout: 1\\.\\d+ is out of range \\(0 ≤ dropout < 1\\) in base\\.yaml \\(drawn for trial-\\d{3}: 1\\.\\d+\\)$`),
    );
  });

  it('a fixed override the base rejects: reported at its set entry', () => {
    expect(errorOf('base: base.yaml\nset: { model.options.dropout: 2 }\ngrid:\n  model.options.learningRate: { values: [0.1] }\n')).toBe(`${file}:2:31 set.model.options.dropout: 2 is out of range (0 ≤ dropout < 1) in base.yaml`);
  });

  it('good values: no error', () => {
    expect(errorOf('base: base.yaml\ngrid:\n  model.options.dropout: { values: [0.2, 0.5] }\n')).toBe('no error');
  });
});
