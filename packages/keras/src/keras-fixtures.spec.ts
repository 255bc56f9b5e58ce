import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng, silentLogger } from '@piano-lstm/core';
import { ArgmaxSampler, generateTokenIds } from '@piano-lstm/generator';
import { initBackend } from '@piano-lstm/model';
import { exportKerasH5 } from './export-keras';
import { buildH5Bytes, withH5Bytes, type H5Group } from './h5wasm-loader';
import { kerasH5Structure } from './h5-structure.testing';
import { prepareKerasImport, type KerasImport } from './import-keras';

// ../shared beside the repository, as the other corpus-backed tests; KERAS_FIXTURES points elsewhere (a git worktree)
const FIXTURES = process.env.KERAS_FIXTURES ?? path.resolve(__dirname, '../../../../shared/fixtures/keras');
const present = fs.existsSync(path.join(FIXTURES, 'expected.json'));
const describeFixtures = present ? describe : describe.skip;

interface Primer {
  primer_tokens: string[];
  first_step_probs: number[];
  argmax_40: string[];
}
const expected = present ? (JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as { models: Record<string, { file: string; primers: Primer[] }> }) : { models: {} };

/**
 * Float32 agreement with Keras' own forward pass. `doc-varied` is the article's network with its
 * weights scaled by 6: saturated gates amplify rounding, and on its second primer a float64 forward
 * pass (computed once while writing this test) is itself 5.0e-4 away from Keras' float32 answer and
 * 8.6e-4 from ours — no float32 implementation with another summation order can be within 1e-4
 * there. That one case gets 1e-3; every other primer of every fixture is held to 1e-4.
 */
const tolerance = (model: string, i: number) => (model === 'doc-varied' && i === 1 ? 1e-3 : 1e-4);

/**
 * The one argmax step where Keras' float32 answer and ours differ: doc-varied, primer 2, step 35.
 * The two best tokens are 1.9e-4 apart, well inside the rounding this saturated network amplifies
 * (see `tolerance`), not a tie within 1e-6: a float64 forward pass over that step's window gives
 * p('7.10') = 0.476010 and p('3.5.6.8') = 0.476198 — it picks '3.5.6.8', as we do (ours: 0.475138
 * vs 0.477027); Keras picked '7.10'. Every other step of every primer matches exactly, including
 * the four after this one.
 */
/** 40 window passes of 100 steps through a 2.8M–4.5M parameter network: seconds alone, minutes on a loaded 2-core machine. */
const HEAVY = 900_000;

const KNOWN_DIVERGENCE: Record<string, { step: number; ours: string }> = { 'doc-varied/2': { step: 35, ours: '3.5.6.8' } };

function firstStep(imp: KerasImport, tokens: string[]): Float32Array {
  const V = imp.vocabulary.length;
  const x = tokens.map((t) => imp.vocabulary.indexOf(t) / V);
  return tf.tidy(() => (imp.model.predict(tf.tensor(x, [1, x.length, 1])) as tf.Tensor).dataSync() as Float32Array);
}

describeFixtures('Keras notebook fixtures import and predict as the notebook does', () => {
  beforeAll(async () => {
    // the CLI's backend: tfjs' pure-JS cpu backend takes seconds per step at the notebook's sizes
    await initBackend('wasm', silentLogger);
  });

  for (const [name, m] of Object.entries(expected.models)) {
    describe(name, () => {
      let imp: KerasImport;
      beforeAll(async () => {
        imp = await prepareKerasImport(path.join(FIXTURES, m.file), path.join(FIXTURES, 'notes'));
      });
      afterAll(() => imp?.model.dispose());

      it('maps onto the matching builder with the notebook vocabulary', () => {
        expect(imp.network.builder).toBe(name === 'repo' ? 'seed-repo' : 'seed-doc');
        expect(imp.vocabulary).toHaveLength(355);
      });

      it('first-step probabilities over the whole vocabulary, for each primer', () => {
        m.primers.forEach((p, i) => {
          const probs = firstStep(imp, p.primer_tokens);
          const maxDiff = p.first_step_probs.reduce((mx, q, j) => Math.max(mx, Math.abs(q - probs[j])), 0);
          expect({ primer: i, maxDiff: maxDiff <= tolerance(name, i) ? 'ok' : maxDiff }).toEqual({ primer: i, maxDiff: 'ok' });
        });
      });

      it('the 40 notes of the notebook\'s argmax loop (window mode), the three primers in one batch', async () => {
        const ids = await generateTokenIds(imp.model, imp.encoder, {
          primers: m.primers.map((p) => imp.encoder.encode(p.primer_tokens).ids),
          length: 40,
          mode: 'window',
          sampler: new ArgmaxSampler({}),
          rngs: m.primers.map((_, i) => new Rng(i)),
        });
        m.primers.forEach((p, i) => {
          const ours = imp.encoder.decode(ids[i]);
          const known = KNOWN_DIVERGENCE[`${name}/${i}`];
          const want = known ? p.argmax_40.map((t, j) => (j === known.step ? known.ours : t)) : p.argmax_40;
          expect({ primer: i, tokens: ours }).toEqual({ primer: i, tokens: want });
        });
      }, HEAVY);
    });
  }

  it('import → export → import gives identical weights, in the fixture\'s HDF5 layout', async () => {
    const file = path.join(FIXTURES, expected.models.repo.file);
    const first = await prepareKerasImport(file, path.join(FIXTURES, 'notes'));
    const bytes = await exportKerasH5(first.model, first.encoder.sequenceLength);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keras-rt-')), 'repo.h5');
    fs.writeFileSync(out, bytes);
    const again = await prepareKerasImport(out, path.join(FIXTURES, 'notes'));
    expect(again.network).toEqual(first.network);
    expectSameWeights(again.model, first.model);
    expect(await kerasH5Structure(bytes)).toEqual(await kerasH5Structure(fs.readFileSync(file)));
    first.model.dispose();
    again.model.dispose();
  });

  it('a Keras 2 file (lstm_1/kernel:0 names, batch_input_shape, no InputLayer) loads the same weights', async () => {
    const file = path.join(FIXTURES, expected.models.doc.file);
    const keras3 = await prepareKerasImport(file, path.join(FIXTURES, 'notes'));
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keras2-')), 'weights-improvement-03-4.1234-bigger.hdf5');
    fs.writeFileSync(out, await asKeras2(fs.readFileSync(file)));
    const keras2 = await prepareKerasImport(out, path.join(FIXTURES, 'notes'));
    expect(keras2.network).toEqual(keras3.network);
    expect({ epoch: keras2.epoch, loss: keras2.loss }).toEqual({ epoch: 3, loss: 4.1234 });
    expectSameWeights(keras2.model, keras3.model);
    keras3.model.dispose();
    keras2.model.dispose();
  });
});

function expectSameWeights(a: tf.LayersModel, b: tf.LayersModel): void {
  const wa = a.getWeights();
  const wb = b.getWeights();
  expect(wa.map((w) => w.shape)).toEqual(wb.map((w) => w.shape));
  wa.forEach((w, i) => expect(Buffer.from((w.dataSync() as Float32Array).buffer).equals(Buffer.from((wb[i].dataSync() as Float32Array).buffer))).toBe(true));
}

/** Rewrites a Keras 3 legacy file the way Keras 2.x wrote it: `<layer>/<layer>/kernel:0`, byte-string names. */
async function asKeras2(bytes: Uint8Array): Promise<Uint8Array> {
  const layers = await withH5Bytes(bytes, (f) => {
    const mw = f.get('model_weights') as H5Group;
    const names = (mw.attrs.layer_names.value as string[]).map(String);
    const config = JSON.parse(String(f.attrs.model_config.value));
    return {
      config,
      names,
      weights: names.map((n) => {
        const g = mw.get(n) as H5Group;
        const wn = g.attrs.weight_names.value;
        return (Array.isArray(wn) ? wn : []).map((w: unknown) => {
          const ds = g.get(String(w)) as unknown as { value: Float32Array; shape: number[] };
          return { name: String(w).split('/').pop()!, value: ds.value, shape: ds.shape };
        });
      }),
    };
  });
  const input = layers.config.config.layers.shift();
  layers.config.config.layers[0].config.batch_input_shape = input.config.batch_shape;
  return buildH5Bytes((f) => {
    f.create_attribute('keras_version', '2.4.0', null, 'S');
    f.create_attribute('backend', 'tensorflow', null, 'S');
    f.create_attribute('model_config', JSON.stringify(layers.config), null, 'S');
    const mw = f.create_group('model_weights');
    mw.create_attribute('layer_names', layers.names, [layers.names.length], 'S');
    layers.names.forEach((n, i) => {
      const g = mw.create_group(n);
      const ws = layers.weights[i];
      g.create_attribute('weight_names', ws.map((w) => `${n}/${w.name}:0`), [ws.length], 'S');
      if (ws.length) {
        const inner = g.create_group(n);
        for (const w of ws) inner.create_dataset({ name: `${w.name}:0`, data: w.value, shape: w.shape, dtype: '<f' });
      }
    });
  });
}
