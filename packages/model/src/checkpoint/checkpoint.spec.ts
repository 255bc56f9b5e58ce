import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError, Rng, RunFolder, StageRegistry, optionsParser, silentLogger, type StageFactory } from '@piano-lstm/core';
import { initBackend } from '../backend';
import { lstmModelFactory } from '../builders/model-builders';
import { SeedScalarEncoder, seedScalarEncoderFactory } from '../encoders/seed-scalar-encoder';
import { modelStageFactories } from '../model-module';
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
      // The class is saved and the engine recorded: without `lstm`, it loads as what trained it.
      expect(asSaved.model.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      expect(kindsOf(asSaved.model)).toEqual(kindsOf(model));
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

    /** A two-layer checkpoint `k` built with `lstm: kind`; returns its model.json path. */
    async function saved(kind: string, recurrentDropout = 0): Promise<string> {
      const enc = encoder();
      const b = lstmModelFactory.create(lstmModelFactory.parseOptions({ layers: [4, 3], dense: [], dropout: 0, recurrentDropout, lstm: kind }, 'm'), { rng: new Rng(5), log: silentLogger, baseDir: '.' });
      const model = await b.build({ vocabSize: enc.vocabSize, sequenceLength: 3, inputKind: 'scalar', targetKind: 'onehot' });
      await saveCheckpoint(path.join(tmp, 'checkpoints', 'k'), { model, encoder: enc, config: {}, fingerprint: corpusFingerprint(pieces), state });
      model.dispose();
      return path.join(tmp, 'checkpoints', 'k', 'model.json');
    }
    const editJson = (file: string, edit: (json: Record<string, unknown>) => void) => {
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      edit(json);
      fs.writeFileSync(file, JSON.stringify(json));
    };

    it('records the asked-for kind and the engine of each layer in model.json; loading follows the record', async () => {
      const file = await saved('fused');
      const meta = (JSON.parse(fs.readFileSync(file, 'utf8')) as { userDefinedMetadata?: { lstm?: unknown } }).userDefinedMetadata;
      expect(meta?.lstm).toMatchObject({ kind: 'fused' });
      expect(Object.values((meta!.lstm as { engines: Record<string, string> }).engines)).toEqual(['fused', 'fused']);
      // Asked for fused, it stays fused even where native loads (auto would pick native).
      const loaded = await loadCheckpoint(tmp, 'k');
      expect(kindsOf(loaded.model)).toEqual(['fused', 'fused']);
      loaded.model.dispose();
      await saved('auto');
      const auto = await loadCheckpoint(tmp, 'k');
      expect(kindsOf(auto.model)).toEqual(native ? ['native', 'native'] : ['fused', 'fused']);
      auto.model.dispose();
    });

    it('loads on auto when the recorded engine cannot run here, and a checkpoint without a record as auto (FusedLSTM) or as saved (LSTM)', async () => {
      const file = await saved('fused');
      editJson(file, (j) => ((j.userDefinedMetadata as { lstm: { kind: string } }).lstm.kind = 'gpu-that-is-not-here'));
      const elsewhere = await loadCheckpoint(tmp, 'k');
      expect(kindsOf(elsewhere.model)).toEqual(native ? ['native', 'native'] : ['fused', 'fused']);
      elsewhere.model.dispose();
      editJson(file, (j) => delete j.userDefinedMetadata);
      const legacy = await loadCheckpoint(tmp, 'k');
      expect(kindsOf(legacy.model)).toEqual(native ? ['native', 'native'] : ['fused', 'fused']);
      legacy.model.dispose();
      const stock = await saved('layers');
      editJson(stock, (j) => delete j.userDefinedMetadata);
      const legacyStock = await loadCheckpoint(tmp, 'k');
      expect(kindsOf(legacyStock.model)).toEqual(['layers', 'layers']);
      legacyStock.model.dispose();
    });

    it('layers with recurrent dropout skip native under auto, and native named for them is refused', async () => {
      await saved('auto', 0.3);
      const loaded = await loadCheckpoint(tmp, 'k');
      expect(kindsOf(loaded.model)).toEqual(['fused', 'fused']);
      loaded.model.dispose();
      if (!native) return;
      await expect(loadCheckpoint(tmp, 'k', { lstm: 'native' })).rejects.toThrow(/layer '.*' has recurrent dropout 0.3, which 'native' lacks; load it with lstm: auto or fused/);
    });

    it('refuses an lstm the caller names that cannot run here, with the fix (exit 2)', async () => {
      await saved('fused');
      await expect(loadCheckpoint(tmp, 'k', { lstm: 'gpu' as 'fused' })).rejects.toThrow(/unknown LSTM engine 'gpu'/);
      if (native) return;
      await expect(loadCheckpoint(tmp, 'k', { lstm: 'native' })).rejects.toThrow(/^lstm 'native' is unavailable here \(.*\); load checkpoint .* with lstm: auto or fused$/);
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

  describe('the encoder comes back through the registry', () => {
    /** A plugin's encoder type: the notebook's layout under another name, with one option of its own. */
    class PluginEncoder extends SeedScalarEncoder {
      override readonly type = 'plugin-scalar' as string as 'seed-scalar';
    }
    const pluginOptions = { ...seedScalarEncoderFactory.options!, scale: { type: 'number', default: 1, min: 0, minExclusive: true, description: 'unused' } } as const;
    const pluginFactory: StageFactory = {
      stage: 'Encoder',
      type: 'plugin-scalar',
      description: 'test plugin',
      options: pluginOptions,
      parseOptions: optionsParser(pluginOptions),
      create: (o) => new PluginEncoder(o as never),
    };
    const withPlugin = () => {
      const registry = new StageRegistry();
      for (const f of [...modelStageFactories, pluginFactory]) registry.register(f);
      return registry;
    };

    async function save(enc: SeedScalarEncoder, options?: Record<string, unknown>): Promise<void> {
      const model = await tinyModel(enc.vocabSize);
      await saveCheckpoint(path.join(tmp, 'checkpoints', 'e'), { model, encoder: enc, config: null, fingerprint: corpusFingerprint(pieces), state });
      model.dispose();
      if (options) {
        const file = path.join(tmp, 'checkpoints', 'e', 'encoder.json');
        fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), options }));
      }
    }

    it('a plugin encoder type reloads with the run’s registry, and is named when it is missing', async () => {
      const enc = new PluginEncoder({ sequenceLength: 3, stride: 1, crossPieces: true });
      enc.fit(pieces);
      await save(enc);
      const loaded = await loadCheckpoint(tmp, 'e', { registry: withPlugin() });
      expect(loaded.encoder).toBeInstanceOf(PluginEncoder);
      expect(loaded.encoder.vocabulary).toEqual(enc.vocabulary);
      loaded.model.dispose();
      await expect(loadCheckpoint(tmp, 'e')).rejects.toThrow("the checkpoint's encoder type 'plugin-scalar' is not known here; load the plugin that provides it");
    });

    it('saved options are validated (an edited encoder.json is named, not cast) and new options get their defaults', async () => {
      await save(encoder(), { sequenceLength: 3, stride: -1, crossPieces: true });
      await expect(loadCheckpoint(tmp, 'e')).rejects.toThrow(/encoder\.json: encoder\.options\.stride: -1 is out of range \(1 ≤ stride ≤ 100000\)/);
      await save(encoder(), { sequenceLength: 3 });
      const loaded = await loadCheckpoint(tmp, 'e');
      // a checkpoint from before `targets` existed reads as the only behaviour there was then
      expect((loaded.encoder as SeedScalarEncoder).options).toEqual({ sequenceLength: 3, stride: 1, crossPieces: true, targets: 'last' });
      loaded.model.dispose();
    });

    it('targets: all is saved with the encoder and comes back', async () => {
      await save(encoder(), { sequenceLength: 3, stride: 3, crossPieces: true, targets: 'all' });
      const loaded = await loadCheckpoint(tmp, 'e');
      expect((loaded.encoder as SeedScalarEncoder).targets).toBe('all');
      loaded.model.dispose();
    });
  });
});
