import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseExperiment, readExperiment, resolveExperiment, splitPath } from './experiment';
import { configErrorOf as errorOf, fakeRegistry } from './fake-registry.testing';

const base = `name: seed-doc
seed: 42
backend: auto
source:  { type: music21, paths: [../corpus], options: { part: first } }
encoder: { type: seed-scalar, options: { sequenceLength: 100, stride: 1 } }
model:
  type: seed-doc
  options: { dropout: 0.3 }
trainer: { type: supervised, options: { epochs: 200, batchSize: 64 } }
sampler: { type: argmax }
generate: { length: 500, count: 1, primer: random-window }
sink:    { type: seed-midi }
`;

function load(text: string, overrides: string[] = []) {
  const doc = parseExperiment(text, { file: 'configs/x.yaml', baseDir: '/proj/configs', overrides });
  return resolveExperiment(doc, fakeRegistry());
}

describe('experiment loader', () => {
  it('fills defaults and resolves paths against the YAML folder', () => {
    const exp = load(base);
    expect(exp.source.paths).toEqual([path.resolve('/proj/corpus')]);
    expect(exp.model.options).toEqual({ dropout: 0.3 });
    expect(exp.trainer.options).toEqual({ epochs: 200, batchSize: 64 });
    expect(exp.generate).toEqual({ length: 500, count: 1, primer: 'random-window', mode: 'window', width: 4 });
  });

  it('generates statefully by default when the encoder has a target at every step (explicit modes win)', () => {
    expect(load(base, ['encoder.options.targets=all']).generate.mode).toBe('stateful');
    expect(load(base, ['encoder.options.targets=last']).generate.mode).toBe('window');
    expect(load(base, ['encoder.options.targets=all', 'generate.mode=window']).generate.mode).toBe('window');
  });

  it('keeps chord tokens of an inline primer as written', () => {
    expect(load(base.replace('primer: random-window', 'primer: [E5, 4.9, 4.10, 11, C5]')).generate.primer).toEqual(['E5', '4.9', '4.10', '11', 'C5']);
  });

  it('supplies default sampler, sink and trainer when omitted', () => {
    const exp = load(base.replace(/^sampler:.*\n/m, '').replace(/^sink:.*\n/m, ''));
    expect(exp.sampler).toEqual({ type: 'argmax', options: {} });
    expect(exp.sink).toEqual({ type: 'seed-midi', options: {} });
  });

  it('keeps builtin: corpus names as they are', () => {
    expect(load(base.replace('../corpus', 'builtin:classical-mini')).source.paths).toEqual(['builtin:classical-mini']);
  });

  const errors: { name: string; text: string; overrides?: string[]; expected: string }[] = [
    {
      name: 'value out of range, with line and column of the value',
      text: base.replace('dropout: 0.3', 'dropout: 1.4'),
      expected: 'configs/x.yaml:8:23 model.options.dropout: 1.4 is out of range (0 ≤ dropout < 1)',
    },
    {
      name: 'typo in an option key names the nearest valid key',
      text: base.replace('dropout: 0.3', 'dropuot: 0.3'),
      expected: "configs/x.yaml:8:14 model.options.dropuot: unknown key 'dropuot' (did you mean 'dropout'?)",
    },
    {
      name: 'typo in a top-level key',
      text: base.replace('sampler:', 'smapler:'),
      expected: "configs/x.yaml:10:1 smapler: unknown key 'smapler' (did you mean 'sampler'?)",
    },
    {
      name: 'unknown stage type lists the known ones',
      text: base.replace('{ type: argmax }', '{ type: nucleus }'),
      expected: "configs/x.yaml:10:18 unknown Sampler type 'nucleus' at sampler.type (known: argmax, top-k)",
    },
    {
      name: 'wrong type of value',
      text: base.replace('epochs: 200', 'epochs: many'),
      expected: "configs/x.yaml:9:49 trainer.options.epochs: expected an integer, got 'many'",
    },
    {
      name: 'choice not in the list',
      text: base.replace('backend: auto', 'backend: gpu'),
      expected: "configs/x.yaml:3:10 backend: 'gpu' is not one of auto, node, wasm, cpu",
    },
    {
      name: 'bad value from --set names the override',
      text: base,
      overrides: ['model.options.dropout=2'],
      expected: '--set model.options.dropout=2 model.options.dropout: 2 is out of range (0 ≤ dropout < 1)',
    },
    {
      name: 'missing required stage',
      text: base.replace(/^encoder:.*\n/m, ''),
      expected: "configs/x.yaml:1:1 encoder: missing; add e.g. 'encoder: { type: seed-scalar }' (known types: seed-scalar)",
    },
    {
      name: 'source without paths',
      text: base.replace('paths: [../corpus], ', ''),
      expected: "configs/x.yaml:4:10 source: missing 'paths': list the MIDI files or folders to learn from (or builtin:classical-mini)",
    },
    {
      name: 'YAML syntax error',
      text: 'name: x\nseed: [1, 2\nbackend: auto\n',
      expected: 'configs/x.yaml:',
    },
    { name: 'empty file', text: '\n# nothing\n', expected: 'configs/x.yaml the config is empty; start from configs/quickstart.yaml' },
    {
      name: 'malformed --set',
      text: base,
      overrides: ['epochs'],
      expected: '--set epochs: expected key.path=value (e.g. --set trainer.options.epochs=5)',
    },
  ];

  it.each(errors)('$name', ({ text, overrides, expected }) => {
    expect(errorOf(() => load(text, overrides))).toContain(expected);
  });

  it('reports YAML syntax errors as one line with a position', () => {
    const msg = errorOf(() => load('name: x\nseed: [1, 2\nbackend: auto\n'));
    expect(msg).toMatch(/^configs\/x\.yaml:\d+:\d+ YAML syntax error: /);
    expect(msg).not.toContain('\n');
  });

  const overrides: { set: string; check: (e: ReturnType<typeof load>) => unknown; expected: unknown }[] = [
    { set: 'trainer.options.epochs=5', check: (e) => e.trainer.options.epochs, expected: 5 },
    { set: 'model.options.dropout=0.5', check: (e) => e.model.options.dropout, expected: 0.5 },
    { set: 'sampler.type=top-k', check: (e) => e.sampler, expected: { type: 'top-k', options: { k: 8 } } },
    { set: 'sampler.options.k=3', check: (e) => e.sampler.options, expected: {} },
    { set: 'generate.primer=[E5, "4.9"]', check: (e) => e.generate.primer, expected: ['E5', '4.9'] },
    { set: 'generate.primer=[E5, 4.10, 11]', check: (e) => e.generate.primer, expected: ['E5', '4.10', '11'] },
    { set: 'source.paths=[a, b]', check: (e) => e.source.paths, expected: [path.resolve('/proj/configs/a'), path.resolve('/proj/configs/b')] },
    { set: 'name=other', check: (e) => e.name, expected: 'other' },
  ];

  it.each(overrides.filter((o) => !o.set.startsWith('sampler.options')))('--set $set', ({ set, check, expected }) => {
    expect(check(load(base, [set]))).toEqual(expected);
  });

  it('--set of a stage type drops the options written for the old type', () => {
    expect(load(base, ['encoder.type=seed-scalar']).encoder.options).toEqual({ sequenceLength: 100, stride: 1 });
    const swapped = parseExperiment(base.replace('{ type: argmax }', '{ type: top-k, options: { k: 3 } }'), { file: 'x.yaml', baseDir: '/p', overrides: ['sampler.type=argmax'] });
    expect(resolveExperiment(swapped, fakeRegistry()).sampler).toEqual({ type: 'argmax', options: {} });
    const withOptions = parseExperiment(base, { file: 'x.yaml', baseDir: '/p', overrides: ['sampler.type=top-k', 'sampler.options.k=2'] });
    expect(resolveExperiment(withOptions, fakeRegistry()).sampler).toEqual({ type: 'top-k', options: { k: 2 } });
  });

  it('--set of an option the stage does not know is an unknown key', () => {
    expect(errorOf(() => load(base, ['sampler.options.k=3']))).toBe("--set sampler.options.k=3 sampler.options.k: unknown key 'k' (known keys: none)");
  });

  it('reads a file and names it in errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exp-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, base.replace('dropout: 0.3', 'dropout: -1'));
    expect(errorOf(() => resolveExperiment(readExperiment(file), fakeRegistry()))).toBe(
      `${file}:8:23 model.options.dropout: -1 is out of range (0 ≤ dropout < 1)`,
    );
    expect(errorOf(() => readExperiment(path.join(dir, 'missing.yaml')))).toBe(`cannot read config ${path.join(dir, 'missing.yaml')}: ENOENT (check the path)`);
  });

  it.each([
    ['a.b.c', ['a', 'b', 'c']],
    ['source.paths[1]', ['source', 'paths', 1]],
    ['x', ['x']],
  ])('splitPath(%s)', (input, expected) => {
    expect(splitPath(input)).toEqual(expected);
  });
});
