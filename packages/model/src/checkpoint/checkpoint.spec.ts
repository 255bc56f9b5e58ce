import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError, Rng, RunFolder, silentLogger } from '@piano-lstm/core';
import { initBackend } from '../backend';
import { lstmModelFactory } from '../builders/model-builders';
import { SeedScalarEncoder } from '../encoders/seed-scalar-encoder';
import { FusedLSTM, nativeLstmStatus } from '../lstm';
import { corpusFingerprint, listCheckpoints, loadCheckpoint, saveCheckpoint, type TrainingState } from './checkpoint';

const pieces = [{ path: 'p', tokens: ['C4', 'D4', 'E4', 'C4', 'G4', 'E4', 'D4', 'C4'] }];
const state: TrainingState = { epoch: 3, step: 0, globalStep: 30, rng: { shuffle: [1, 2, 3, 4] }, metrics: { loss: 1.25 } };
let tmp: string;

beforeAll(() => initBackend('cpu'));
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function tinyModel(vocabSize: number): Promise<tf.LayersModel> {
  const b = lstmModelFactory.create(lstmModelFactory.parseOptions({ layers: [3], dense: [], dropout: 0 }, 'm'), { rng: new Rng(3), log: silentLogger, baseDir: '.' });
  return b.build({ vocabSize, sequenceLength: 3, inputKind: 'scalar', targetKind: 'onehot' });
}

function encoder(): SeedScalarEncoder {
  const e = new SeedScalarEncoder({ sequenceLength: 3, stride: 1, crossPieces: true });
  e.fit(pieces);
  return e;
}

describe('checkpoints', () => {
  it('round-trip weights, vocabulary, encoder, config, fingerprint, state and optimizer state', async () => {
    const enc = encoder();
    const model = await tinyModel(enc.vocabSize);
    // One step so the optimizer has accumulators worth saving.
    const x = tf.tensor3d([[[0.1], [0.2], [0.3]]]);
    const y = tf.oneHot(tf.tensor1d([1], 'int32'), enc.vocabSize);
    model.optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    const dir = path.join(tmp, 'checkpoints', 'weights-03-1.2500');
    await saveCheckpoint(dir, { model, encoder: enc, config: { name: 'tiny', seed: 1 }, fingerprint: corpusFingerprint(pieces), optimizer: model.optimizer, state, backend: 'cpu' });
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'encoder.json', 'fingerprint.json', 'model.json', 'optimizer.bin', 'optimizer.json', 'state.json', 'vocab.json', 'weights.bin']);
    expect(fs.readdirSync(path.join(tmp, 'checkpoints'))).toEqual(['weights-03-1.2500']);
    RunFolder.at(tmp).mark('best', 'weights-03-1.2500');

    const loaded = await loadCheckpoint(tmp);
    expect(loaded.name).toBe('weights-03-1.2500');
    expect(loaded.encoder.vocabulary).toEqual(enc.vocabulary);
    expect(loaded.config).toEqual({ name: 'tiny', seed: 1 });
    expect(loaded.fingerprint).toEqual({ pieces: 1, tokens: 8, sha256: corpusFingerprint(pieces).sha256 });
    expect(loaded.state).toMatchObject({ ...state, backend: 'cpu' });
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));

    const opt = await loaded.restoreOptimizer();
    const before = (await model.optimizer.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
    const after = (await opt!.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
    expect(after).toEqual(before);
    expect(opt!.getClassName()).toBe('RMSProp');
    model.dispose();
    loaded.model.dispose();
  });

  it('restores Adam exactly, running β powers included', async () => {
    const enc = encoder();
    const b = lstmModelFactory.create(lstmModelFactory.parseOptions({ layers: [3], dense: [], optimizer: 'adam' }, 'm'), { rng: new Rng(3), log: silentLogger, baseDir: '.' });
    const model = await b.build({ vocabSize: enc.vocabSize, sequenceLength: 3, inputKind: 'scalar', targetKind: 'onehot' });
    const x = tf.tensor3d([[[0.1], [0.2], [0.3]]]);
    const y = tf.oneHot(tf.tensor1d([1], 'int32'), enc.vocabSize);
    for (let i = 0; i < 7; i++) model.optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    await saveCheckpoint(path.join(tmp, 'checkpoints', 'a'), { model, encoder: enc, config: {}, fingerprint: corpusFingerprint(pieces), optimizer: model.optimizer, state });
    const opt = await (await loadCheckpoint(tmp, 'a')).restoreOptimizer();
    type Adam = { accBeta1: tf.Variable; accBeta2: tf.Variable };
    const [was, now] = [model.optimizer as unknown as Adam, opt as unknown as Adam];
    expect(now.accBeta1.dataSync()[0]).toBe(was.accBeta1.dataSync()[0]);
    expect(now.accBeta2.dataSync()[0]).toBe(was.accBeta2.dataSync()[0]);
    model.dispose();
  });

  it('replaces a folder atomically and leaves no temp folders behind', async () => {
    const enc = encoder();
    const model = await tinyModel(enc.vocabSize);
    const dir = path.join(tmp, 'checkpoints', 'last');
    const c = { model, encoder: enc, config: {}, fingerprint: corpusFingerprint(pieces), state };
    await saveCheckpoint(dir, c);
    await saveCheckpoint(dir, { ...c, state: { ...state, epoch: 4 } });
    expect(fs.readdirSync(path.join(tmp, 'checkpoints'))).toEqual(['last']);
    expect(listCheckpoints(tmp).map((x) => [x.name, x.epoch])).toEqual([['last', 4]]);
    // A save that fails half-way keeps the previous checkpoint intact.
    const broken = { ...c, model: { save: () => Promise.reject(new Error('disk full')) } as unknown as tf.LayersModel };
    await expect(saveCheckpoint(dir, broken)).rejects.toThrow('disk full');
    expect(fs.readdirSync(path.join(tmp, 'checkpoints'))).toEqual(['last']);
    expect((await loadCheckpoint(tmp, 'last')).state?.epoch).toBe(4);
    model.dispose();
  });

  it('refuses weights whose output size does not match the vocabulary, saying which is which', async () => {
    const enc = encoder();
    const model = await tinyModel(enc.vocabSize + 2);
    await saveCheckpoint(path.join(tmp, 'checkpoints', 'x'), { model, encoder: enc, config: {}, fingerprint: corpusFingerprint(pieces), state });
    await expect(loadCheckpoint(tmp, 'x')).rejects.toThrow(InputError);
    await expect(loadCheckpoint(tmp, 'x')).rejects.toThrow(`the model predicts ${enc.vocabSize + 2} tokens but its vocabulary has ${enc.vocabSize}`);
    model.dispose();
  });

  it('names what is missing', async () => {
    await expect(loadCheckpoint(path.join(tmp, 'nope'))).rejects.toThrow(/does not exist/);
    await expect(loadCheckpoint(tmp)).rejects.toThrow(/has no checkpoints yet/);
    fs.mkdirSync(path.join(tmp, 'checkpoints', 'a'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'checkpoints', 'a', 'model.json'), '{}');
    await expect(loadCheckpoint(tmp, 'b')).rejects.toThrow("checkpoint 'b' not found in");
  });

  it('loads a checkpoint folder given directly', async () => {
    const enc = encoder();
    const model = await tinyModel(enc.vocabSize);
    const dir = path.join(tmp, 'checkpoints', 'direct');
    await saveCheckpoint(dir, { model, encoder: enc, config: {}, fingerprint: corpusFingerprint(pieces), state });
    expect((await loadCheckpoint(dir)).name).toBe('direct');
    model.dispose();
  });

  describe('across LSTM kinds (same weights, other implementation)', () => {
    const native = nativeLstmStatus().available;
    const kindsOf = (m: tf.LayersModel) =>
      m.layers.filter((l) => /LSTM$/.test(l.getClassName())).map((l) => (l instanceof FusedLSTM ? l.engineName : 'layers'));
    const cases: [string, string, string[]][] = [
      ['layers', 'fused', ['fused', 'fused']],
      ['fused', 'layers', ['layers', 'layers']],
      ['fused', 'native', ['native', 'native']],
      ['layers', 'native', ['native', 'native']],
      ['native', 'layers', ['layers', 'layers']],
      ['layers', 'auto', [native ? 'native' : 'fused', native ? 'native' : 'fused']],
    ];
    it.each(cases)('saved as %s, loads as %s and predicts the same', async (from, to, expected) => {
      if ((from === 'native' || to === 'native') && !native) return; // the oneDNN addon is absent here
      const enc = encoder();
      const b = lstmModelFactory.create(lstmModelFactory.parseOptions({ layers: [4, 3], dense: [], dropout: 0, lstm: from }, 'm'), { rng: new Rng(5), log: silentLogger, baseDir: '.' });
      const model = await b.build({ vocabSize: enc.vocabSize, sequenceLength: 3, inputKind: 'scalar', targetKind: 'onehot' });
      await saveCheckpoint(path.join(tmp, 'checkpoints', 'k'), { model, encoder: enc, config: {}, fingerprint: corpusFingerprint(pieces), state });
      const asSaved = await loadCheckpoint(tmp, 'k');
      // The class is saved, the engine is not: a native checkpoint loads as FusedLSTM on the default engine.
      expect(asSaved.model.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      const loaded = await loadCheckpoint(tmp, 'k', { lstm: to as 'fused' });
      expect(kindsOf(loaded.model)).toEqual(expected);
      const x = tf.tensor3d([[[0.1], [0.7], [0.3]], [[0.5], [0.2], [0.9]]]);
      const a = (model.predict(x) as tf.Tensor).dataSync();
      const c = (loaded.model.predict(x) as tf.Tensor).dataSync();
      a.forEach((v, i) => expect(Math.abs(v - c[i])).toBeLessThan(1e-5));
      // It also trains: the gradient flows through whichever implementation was loaded.
      const y = tf.oneHot(tf.tensor1d([1, 2], 'int32'), enc.vocabSize);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, loaded.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      expect(Object.keys(grads)).toHaveLength(loaded.model.trainableWeights.length);
      tf.dispose([x, y, grads as unknown as tf.Tensor[]]);
      [model, asSaved.model, loaded.model].forEach((m) => m.dispose());
    });

    it('refuses a stock checkpoint with hard-sigmoid gates as fused, naming the checkpoint', async () => {
      const enc = encoder();
      const model = tf.sequential({ layers: [tf.layers.lstm({ units: 2, inputShape: [3, 1], recurrentActivation: 'hardSigmoid' }), tf.layers.dense({ units: enc.vocabSize, activation: 'softmax' })] });
      await saveCheckpoint(path.join(tmp, 'checkpoints', 'h'), { model, encoder: enc, config: {}, fingerprint: corpusFingerprint(pieces), state });
      await expect(loadCheckpoint(tmp, 'h', { lstm: 'fused' })).rejects.toThrow(InputError);
      await expect(loadCheckpoint(tmp, 'h', { lstm: 'fused' })).rejects.toThrow(/recurrent_activation 'hard_sigmoid' cannot run as FusedLSTM/);
      model.dispose();
    });
  });
});
