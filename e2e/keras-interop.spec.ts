import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNotesPickle, loadH5wasm, readNotesPickle } from '@piano-lstm/keras';
import { repoRoot, runCli, sharedRoot, tempDir } from './helpers/cli';

// KERAS_FIXTURES points elsewhere when ../shared is not beside the repository (a git worktree)
const FIXTURES = process.env.KERAS_FIXTURES ?? path.join(sharedRoot, 'fixtures', 'keras');
const present = fs.existsSync(path.join(FIXTURES, 'expected.json'));
const d = present ? describe : describe.skip;
const expected = present ? JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) : { models: {} };
const NOTES = path.join(FIXTURES, 'notes');
const VARIED = path.join(FIXTURES, 'doc-varied.hdf5');

function ok(r: { code: number; stderr: string }): void {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
}

function tokensOf(file: string): { primer: string[]; tokens: string[] }[] {
  return JSON.parse(fs.readFileSync(file, 'utf8')).pieces;
}

d('piano-lstm import keras / export keras (the Python notebook\'s files)', () => {
  it('an imported notebook model generates the notebook\'s argmax notes, and generate, evaluate, report and train --resume accept its run folder', () => {
    const dir = tempDir();
    const run = path.join(dir, 'run');
    ok(runCli(['import', 'keras', '--weights', VARIED, '--notes', NOTES, '--out', run]));
    for (const f of ['config.yaml', 'vocab.json', 'corpus.json', 'best', 'notes']) expect(fs.existsSync(path.join(run, f))).toBe(true);
    const primer = expected.models['doc-varied'].primers[1];
    const out = path.join(dir, 'tokens.json');
    ok(runCli(['generate', '--run', run, '--sampler', 'argmax', '--mode', 'window', '--length', '40', '--primer-tokens', primer.primer_tokens.join(' '), '--format', 'tokens', '--out', out]));
    expect(tokensOf(out)).toEqual([{ primer: primer.primer_tokens, tokens: primer.argmax_40 }]);

    const midi = runCli(['generate', '--run', run, '--length', '30']);
    ok(midi);
    ok(runCli(['evaluate', midi.stdout.trim().split('\n').pop()!]));
    ok(runCli(['report', run]));
    const resumed = runCli(['train', '--resume', run, '--set', 'trainer.options.epochs=1', '--set', 'trainer.options.maxSteps=1', '--set', 'trainer.options.batchSize=2']);
    ok(resumed);
    expect(resumed.stderr).toContain('resuming from checkpoint doc-varied');
    expect(fs.readdirSync(path.join(run, 'checkpoints')).length).toBe(2);
  });

  it('a run trained here exports to Keras HDF5 + notes pickle and imports back with identical weights and predictions', () => {
    const dir = tempDir();
    const trained = runCli(['train', path.join(repoRoot, 'e2e/configs/tiny.yaml'), '--runs', path.join(dir, 'runs')]);
    ok(trained);
    const run = /run folder: (.*)/.exec(trained.stdout)![1];
    const h5 = path.join(dir, 'tiny.h5');
    const notes = path.join(dir, 'notes');
    ok(runCli(['export', 'keras', '--run', run, '--out', h5, '--notes', notes]));
    const back = path.join(dir, 'back');
    ok(runCli(['import', 'keras', '--weights', h5, '--notes', notes, '--out', back]));
    const vocab = JSON.parse(fs.readFileSync(path.join(run, 'vocab.json'), 'utf8')) as string[];
    expect(JSON.parse(fs.readFileSync(path.join(back, 'vocab.json'), 'utf8'))).toEqual(vocab);
    const weights = (r: string) => fs.readFileSync(path.join(r, 'checkpoints', fs.readFileSync(path.join(r, 'best'), 'utf8').trim(), 'weights.bin'));
    expect(weights(back).equals(weights(run))).toBe(true);
    const primer = readNotesPickle(notes).slice(0, 16).join(' ');
    const gen = (r: string) => {
      const out = path.join(dir, `${path.basename(r)}.json`);
      ok(runCli(['generate', '--run', r, '--sampler', 'argmax', '--length', '24', '--primer-tokens', primer, '--format', 'tokens', '--out', out]));
      return tokensOf(out);
    };
    expect(gen(back)).toEqual(gen(run));
  });

  describe('bad inputs exit 2 with one line and write nothing', () => {
    const cases: { name: string; make: (dir: string) => Promise<{ weights: string; notes: string }>; says: RegExp }[] = [
      {
        name: 'a truncated HDF5 file',
        make: async (dir) => {
          const f = path.join(dir, 'truncated.hdf5');
          const bytes = fs.readFileSync(VARIED);
          fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length / 2)));
          return { weights: f, notes: NOTES };
        },
        says: /truncated\.hdf5 cannot be read as HDF5 .*damaged or truncated/,
      },
      {
        name: 'a pickle of something other than a list of strings',
        make: async (dir) => {
          const f = path.join(dir, 'dict.pickle');
          fs.writeFileSync(f, Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e])); // pickle.dumps({}, 2)
          return { weights: VARIED, notes: f };
        },
        says: /dict\.pickle holds a pickled (dict|object), not a list of note strings/,
      },
      {
        name: 'a model with an unsupported layer',
        make: async (dir) => {
          const f = path.join(dir, 'gru.hdf5');
          fs.writeFileSync(f, await withModelConfig(fs.readFileSync(VARIED), (c) => {
            const layer = c.config.layers.find((l: { class_name: string }) => l.class_name === 'Dropout');
            layer.class_name = 'GaussianNoise';
            layer.config = { name: layer.config.name, stddev: 0.1 };
          }));
          return { weights: f, notes: NOTES };
        },
        says: /layer 'dropout_\d+' is a GaussianNoise, which piano-lstm cannot import \(supported: LSTM, Dense/,
      },
      {
        name: 'a vocabulary whose size does not match the output layer',
        make: async (dir) => {
          const f = path.join(dir, 'notes-354');
          const notes = readNotesPickle(NOTES);
          fs.writeFileSync(f, encodeNotesPickle(notes.filter((t) => t !== notes[0])));
          return { weights: VARIED, notes: f };
        },
        says: /predicts 355 tokens but .*notes-354 has 354 distinct notes/,
      },
    ];
    it.each(cases)('$name', async ({ make, says }) => {
      const dir = tempDir();
      const { weights, notes } = await make(dir);
      const out = path.join(dir, 'run');
      const r = runCli(['import', 'keras', '--weights', weights, '--notes', notes, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(says);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.existsSync(path.join(repoRoot, 'runs', 'keras-seed-doc'))).toBe(false);
    });
  });
});

/** A copy of an HDF5 model with its model_config attribute rewritten (h5wasm, in memory). */
async function withModelConfig(bytes: Uint8Array, edit: (config: any) => void): Promise<Uint8Array> {
  const h5 = await loadH5wasm();
  const name = `/edit-${process.pid}.h5`;
  h5.FS!.writeFile(name, bytes);
  const f = new h5.File(name, 'a');
  const config = JSON.parse(String(f.attrs.model_config.value));
  edit(config);
  f.delete_attribute('model_config');
  f.create_attribute('model_config', JSON.stringify(config), null, 'A');
  f.close();
  const out = h5.FS!.readFile(name);
  h5.FS!.unlink(name);
  return out;
}
