import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '@piano-lstm/core';
import { parseSweepFile } from './sweep-file';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-sweep-file-'));
fs.writeFileSync(path.join(dir, 'base.yaml'), 'name: base\n');
const file = path.join(dir, 'sweep.yaml');

function messageOf(text: string): string {
  try {
    parseSweepFile(text, file);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('sweep file', () => {
  it('reads grid, random, set and objective; keys with dots stay whole', () => {
    const spec = parseSweepFile(
      `name: s1
base: base.yaml
seed: 3
objective: { metric: val_accuracy }
set: { trainer.options.epochs: 2 }
grid:
  model.options.layers: { values: [[16], [32]] }
random:
  trials: 2
  params:
    model.options.learningRate: { log-uniform: [0.001, 0.1] }
    model.options.optimizer: { choice: [adam, rmsprop] }
`,
      file,
    );
    expect(spec.name).toBe('s1');
    expect(spec.base).toBe(path.join(dir, 'base.yaml'));
    expect(spec.seed).toBe(3);
    expect(spec.objective).toEqual({ metric: 'val_accuracy', mode: 'max' });
    expect(spec.fixed).toEqual([{ key: 'trainer.options.epochs', value: 2 }]);
    expect(spec.grid).toEqual([{ key: 'model.options.layers', values: [[16], [32]] }]);
    expect(spec.random).toEqual({
      trials: 2,
      params: [
        { key: 'model.options.learningRate', dist: { kind: 'log-uniform', low: 0.001, high: 0.1 } },
        { key: 'model.options.optimizer', dist: { kind: 'choice', values: ['adam', 'rmsprop'] } },
      ],
    });
  });

  it('defaults: name from the file, best val_loss (min), seed 42', () => {
    const spec = parseSweepFile('base: base.yaml\ngrid: { seed: { values: [1, 2] } }\n', file);
    expect([spec.name, spec.objective, spec.objectiveGiven, spec.seed]).toEqual(['sweep', { metric: 'val_loss', mode: 'min' }, false, 42]);
  });

  it.each([
    ['a typo in a top-level key', 'base: base.yaml\ngird: { seed: { values: [1] } }\n', `${file}:2:1 gird: unknown key 'gird' (did you mean 'grid'?)`],
    ['a typo in the objective', 'base: base.yaml\nobjective: { metric: val_los }\ngrid: { seed: { values: [1] } }\n', `${file}:2:22 objective.metric: 'val_los' is not one of val_loss, loss, val_accuracy, accuracy`],
    ['a typo in values', 'base: base.yaml\ngrid:\n  seed: { valeus: [1] }\n', `${file}:3:11 grid.seed.valeus: unknown key 'valeus' (did you mean 'values'?)`],
    ['an empty value list', 'base: base.yaml\ngrid:\n  seed: { values: [] }\n', `${file}:3:19 grid.seed.values: expected a non-empty list of values, got a list ([])`],
    ['an unknown distribution', 'base: base.yaml\nrandom:\n  trials: 2\n  params:\n    seed: { unifrom: [0, 1] }\n', `${file}:5:13 random.params.seed.unifrom: unknown key 'unifrom' (did you mean 'uniform'?)`],
    ['a reversed range', 'base: base.yaml\nrandom:\n  trials: 2\n  params:\n    seed: { int: [5, 1] }\n', `${file}:5:18 random.params.seed.int: [5, 1]: the low end must be below the high end`],
    ['a non-integer int range', 'base: base.yaml\nrandom:\n  trials: 2\n  params:\n    seed: { int: [1, 2.5] }\n', `${file}:5:22 random.params.seed.int[1]: expected an integer, got 2.5`],
    ['random without trials', 'base: base.yaml\nrandom:\n  params: { seed: { int: [1, 2] } }\n', `${file}:3:3 random: missing 'trials': how many random trials to draw (e.g. trials: 8)`],
    ['a key varied twice', 'base: base.yaml\ngrid: { seed: { values: [1] } }\nrandom: { trials: 1, params: { seed: { int: [1, 2] } } }\n', `${file}:3:32 random.params.seed: 'seed' appears twice (in set, grid or random); keep one`],
    ['a missing base', 'grid: { seed: { values: [1] } }\n', `${file} missing 'base': the experiment config the trials start from, relative to this file (e.g. base: quickstart.yaml)`],
    ['a base that does not exist', 'base: nope.yaml\ngrid: { seed: { values: [1] } }\n', `${file}:1:7 base: 'nope.yaml' does not exist (looked for ${path.join(dir, 'nope.yaml')}); give the experiment config relative to the sweep file`],
    ['nothing varied', 'base: base.yaml\n', `${file} nothing to vary: add grid: { <config key>: { values: [...] } } or random: { trials: N, params: {...} }`],
    ['a YAML syntax error', 'base: base.yaml\ngrid: { seed: { values: [1 }\n', expect.stringMatching(new RegExp(`^${file.replace(/[.]/g, '\\.')}:2:\\d+ YAML syntax error`))],
    ['an empty file', '', `${file} the sweep file is empty; start from configs/sweep-quickstart.yaml`],
  ])('%s: one line with file:line:col', (_what, text, expected) => {
    expect(messageOf(text)).toEqual(expected);
  });

  it('errors are ConfigErrors (exit 2)', () => {
    let err: unknown;
    try {
      parseSweepFile('base: base.yaml\n', file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
  });
});
