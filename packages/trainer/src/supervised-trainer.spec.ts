import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InterruptedError, Rng, type Logger, type Piece } from '@piano-lstm/core';
import { EmbeddingEncoder, SeedScalarEncoder, initBackend, loadCheckpoint, lstmModelFactory, type TokenEncoder } from '@piano-lstm/model';
import { parseSupervisedOptions } from './supervised-options';
import { clipGradients } from './step-math';
import { SupervisedTrainer, splitByPiece, type EpochMetrics, type TrainJob } from './supervised-trainer';
import type { TrainingCallback } from './training-callback';

const quiet: Logger = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const notes = ['C4', 'D4', 'E4', 'F4', 'G4', 'A4', 'B4', '0.4.7'];
/** Pieces with their own motifs, so each one has windows only it can produce. */
const pieces: Piece[] = Array.from({ length: 5 }, (_, k) => ({
  path: `p${k}.mid`,
  tokens: Array.from({ length: 24 }, (_, i) => notes[(i * (k + 1) + k) % notes.length]),
}));
let runDir: string;
// Tiny models, but the machine is shared: allow for a slow neighbour.
jest.setTimeout(60_000);

beforeAll(() => initBackend('cpu'));
beforeEach(() => {
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-'));
});
afterEach(() => fs.rmSync(runDir, { recursive: true, force: true }));

function job(over: Partial<TrainJob> & { encoder?: TokenEncoder; seed?: number } = {}): TrainJob {
  const seed = over.seed ?? 5;
  const modelOptions = lstmModelFactory.parseOptions({ layers: [4], dense: [3], dropout: 0.2, lstm: process.env.LSTM_KIND ?? 'auto' }, 'model.options');
  return {
    runDir,
    pieces,
    encoder: over.encoder ?? new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true }),
    modelBuilder: lstmModelFactory.create(modelOptions, { rng: new Rng(seed).fork('ModelBuilder'), log: quiet, baseDir: '.' }),
    config: { name: 'tiny' },
    ...over,
  };
}

function trainer(raw: Record<string, unknown>, seed = 5): SupervisedTrainer {
  return new SupervisedTrainer(parseSupervisedOptions({ progress: 'lines', ...raw }, 'trainer.options'), new Rng(seed).fork('Trainer'), quiet);
}

/** Presses Ctrl-C (aborts) when the run's `n`th batch has finished. */
const abortAtBatch = (n: number, ac: AbortController): TrainingCallback => ({
  onBatchEnd: (_, session) => {
    if (session.globalStep === n) ac.abort();
  },
});

const readMetrics = (dir: string): EpochMetrics[] =>
  fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpochMetrics);

describe('supervised trainer', () => {
  it('trains, writes metrics.jsonl, vocab.json and Keras-named checkpoints with a best pointer', async () => {
    const r = await trainer({ epochs: 3, batchSize: 8, learningRate: 0.05 }).train(job());
    const metrics = readMetrics(runDir);
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(Object.keys(metrics[0])).toEqual(['epoch', 'loss', 'accuracy', 'samples_per_s', 'seconds', 'lr']);
    expect(metrics[2].loss).toBeLessThan(metrics[0].loss);
    expect(metrics[0].lr).toBe(0.05);
    const names = fs.readdirSync(path.join(runDir, 'checkpoints')).sort();
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).toMatch(/^weights-improvement-0\d-\d\.\d{4}-bigger$/);
    const best = fs.readFileSync(path.join(runDir, 'best'), 'utf8').trim();
    expect(best).toBe(r.best);
    expect(best).toBe(`weights-improvement-03-${metrics[2].loss.toFixed(4)}-bigger`);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'vocab.json'), 'utf8'))).toEqual([...notes].sort());
    const loaded = await loadCheckpoint(runDir);
    expect(loaded.state?.epoch).toBe(3);
    r.model.dispose();
    loaded.model.dispose();
  });

  it.each([
    [{ learningRate: 0.01 }, 0.01, 'rmsprop'],
    [{ optimizer: 'adam', learningRate: 0.002 }, 0.002, 'adam'],
  ])('a resumed run applies a changed optimizer setting %j', async (change, lr, name) => {
    const opts = { epochs: 1, batchSize: 8, optimizer: 'rmsprop', learningRate: 0.001, checkpoint: { saveBestOnly: false, filename: 'e{epoch:02d}' } };
    (await trainer(opts).train(job())).model.dispose();
    const said: string[] = [];
    const log: Logger = { info: (m) => said.push(m), warn: (m) => said.push(m), debug: () => undefined };
    const t = new SupervisedTrainer(parseSupervisedOptions({ progress: 'lines', ...opts, ...change, epochs: 2 }, 'trainer.options'), new Rng(5).fork('Trainer'), log);
    (await t.train(job({ resume: true }))).model.dispose();
    expect(readMetrics(runDir).map((m) => m.lr)).toEqual([0.001, lr]);
    expect(said.join('\n')).toContain(name === 'adam' ? 'optimizer changed from rmsprop to adam' : 'learning rate changed from 0.001 to 0.01');
  });

  it('reduceLrOnPlateau halves the rate after a stalled epoch, and a resumed run keeps the lowered rate', async () => {
    // lr 1e-9 never improves the loss: every epoch after the first is a stall
    const opts = { epochs: 3, batchSize: 8, optimizer: 'sgd', learningRate: 1e-9, reduceLrOnPlateau: { monitor: 'loss', factor: 0.5, patience: 1, minDelta: 0.01 }, checkpoint: { saveBestOnly: false, filename: 'e{epoch:02d}' } };
    (await trainer(opts).train(job())).model.dispose();
    expect(readMetrics(runDir).map((m) => m.lr)).toEqual([1e-9, 1e-9, 5e-10]);
    const said: string[] = [];
    const log: Logger = { info: (m) => said.push(m), warn: (m) => said.push(m), debug: () => undefined };
    const t = new SupervisedTrainer(parseSupervisedOptions({ progress: 'lines', ...opts, epochs: 4 }, 'trainer.options'), new Rng(5).fork('Trainer'), log);
    (await t.train(job({ resume: true }))).model.dispose();
    expect(readMetrics(runDir).map((m) => m.lr)).toEqual([1e-9, 1e-9, 5e-10, 2.5e-10]);
    expect(said.join('\n')).not.toContain('learning rate changed');
    expect(said.join('\n')).toContain('learning rate 2.5e-10 → 1.25e-10');
  });

  it('rejects a val_ monitor for reduceLrOnPlateau without a validation split', () => {
    expect(() => parseSupervisedOptions({ reduceLrOnPlateau: { monitor: 'val_loss' } }, 'trainer.options')).toThrow(/reduceLrOnPlateau.monitor.*needs a validation split/);
  });

  it('resumes exactly: the resumed loss curve equals the uninterrupted one', async () => {
    const opts = { epochs: 4, batchSize: 8, checkpoint: { saveBestOnly: false, filename: 'e{epoch:02d}' } };
    const full = await trainer(opts).train(job());
    const straight = readMetrics(runDir).map((m) => m.loss);
    full.model.dispose();
    fs.rmSync(runDir, { recursive: true });
    fs.mkdirSync(runDir);
    const half = await trainer({ ...opts, epochs: 2 }).train(job());
    half.model.dispose();
    const resumed = await trainer(opts).train(job({ resume: true }));
    resumed.model.dispose();
    const curve = readMetrics(runDir).map((m) => m.loss);
    expect(curve).toHaveLength(4);
    curve.forEach((l, i) => expect(l).toBeCloseTo(straight[i], 6));
  });

  it('on abort stops after the batch, saves a resumable checkpoint and continues mid-epoch exactly', async () => {
    const opts = { epochs: 2, batchSize: 8, checkpoint: { saveBestOnly: false, filename: 'e{epoch:02d}' } };
    const full = await trainer(opts).train(job());
    const straight = readMetrics(runDir).map((m) => m.loss);
    full.model.dispose();
    fs.rmSync(runDir, { recursive: true });
    fs.mkdirSync(runDir);

    const ac = new AbortController();
    await expect(trainer(opts).train(job({ signal: ac.signal, callbacks: [abortAtBatch(13, ac)] }))).rejects.toThrow(InterruptedError);
    await expect(trainer(opts).train(job({ signal: AbortSignal.abort() }))).rejects.toThrow(/resume with: piano-lstm train .*--resume/);
    fs.rmSync(runDir, { recursive: true });
    fs.mkdirSync(runDir);
    const ac2 = new AbortController();
    await expect(trainer(opts).train(job({ signal: ac2.signal, callbacks: [abortAtBatch(13, ac2)] }))).rejects.toThrow(InterruptedError);
    expect(fs.readFileSync(path.join(runDir, 'latest'), 'utf8').trim()).toBe('last');
    const state = (await loadCheckpoint(runDir, 'last')).state!;
    expect(state.step).toBeGreaterThan(0);
    const resumed = await trainer(opts).train(job({ resume: true }));
    resumed.model.dispose();
    const curve = readMetrics(runDir).map((m) => m.loss);
    expect(curve).toHaveLength(2);
    curve.forEach((l, i) => expect(l).toBeCloseTo(straight[i], 6));
  });

  it('splits validation by piece: no window of a validation piece is trained on', async () => {
    const disjoint: Piece[] = Array.from({ length: 6 }, (_, k) => ({ path: `q${k}`, tokens: Array.from({ length: 12 }, (_, i) => `n${k}_${i % 4}`) }));
    const { validation } = splitByPiece(disjoint, 0.34, new Rng(5).fork('Trainer').fork('validation'));
    const valTokens = new Set(validation.flatMap((p) => p.tokens));
    for (const crossPieces of [true, false]) {
      const enc = new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces });
      const trained: string[][] = [];
      const batch = enc.batch.bind(enc);
      enc.batch = (w, idx) => {
        const set = w as ReturnType<typeof enc.windows>;
        if (!(w as { isValidation?: boolean }).isValidation) idx.forEach((i) => trained.push(enc.decode([...set.window(i).ids, set.window(i).target])));
        return batch(w, idx);
      };
      const scoring = enc.scoringWindows.bind(enc);
      // The trainer asks scoringWindows for the validation windows, windows for the training ones.
      enc.scoringWindows = (ps) => Object.assign(scoring(ps), { isValidation: true });
      const r = await trainer({ epochs: 1, batchSize: 8, validation: { pieces: 0.34 } }).train(job({ pieces: disjoint, encoder: enc }));
      expect(r.validationPieces).toBe(2);
      expect(trained.length).toBeGreaterThan(0);
      for (const w of trained) for (const t of w) expect(valTokens.has(t)).toBe(false);
      const m = readMetrics(runDir)[0];
      expect(m.val_loss).toBeGreaterThan(0);
      expect(m.val_accuracy).toBeGreaterThanOrEqual(0);
      r.model.dispose();
      fs.rmSync(path.join(runDir, 'metrics.jsonl'));
    }
  });

  it('stops early when the monitored value stops improving by minDelta', async () => {
    const r = await trainer({ epochs: 20, batchSize: 8, optimizer: 'sgd', learningRate: 1e-9, earlyStopping: { patience: 2, minDelta: 0.01 } }).train(job());
    expect(r.stoppedEarly).toBe(true);
    expect(readMetrics(runDir)).toHaveLength(3);
    r.model.dispose();
  });

  it('keeps the tensor count flat across epochs (no leak)', async () => {
    const counts: number[] = [];
    const r = await trainer({ epochs: 4, batchSize: 8, validation: { pieces: 0.2 }, clipNorm: 1 }).train(job({ onEpochEnd: () => counts.push(tf.memory().numTensors) }));
    expect(counts[3]).toBe(counts[1]);
    r.model.dispose();
  });

  it('stops after maxSteps batches with a checkpoint', async () => {
    const r = await trainer({ epochs: 5, batchSize: 4, maxSteps: 3 }).train(job());
    expect(r.stoppedAtMaxSteps).toBe(true);
    expect(readMetrics(runDir)).toHaveLength(1);
    expect((await loadCheckpoint(runDir)).state?.globalStep).toBe(3);
    r.model.dispose();
  });

  it('stops at the maxMinutes time budget mid-epoch, with metrics and a resumable checkpoint', async () => {
    // 1e-6 minutes: the budget runs out during the first batch, so training stops right after it.
    const r = await trainer({ epochs: 5, batchSize: 4, maxMinutes: 1e-6 }).train(job());
    expect(r.stoppedAtTimeBudget).toBe(true);
    expect(r.stoppedAtMaxSteps).toBe(false);
    expect(readMetrics(runDir)).toHaveLength(1);
    expect((await loadCheckpoint(runDir)).state?.globalStep).toBe(1);
    r.model.dispose();
  });

  it('augments by transposition: the vocabulary covers every interval, the model trains on it', async () => {
    const enc = new EmbeddingEncoder({ sequenceLength: 4, stride: 1, crossPieces: false, dim: 3 });
    const r = await trainer({ epochs: 2, batchSize: 8, augment: { transpose: [-1, 1] } }).train(job({ encoder: enc }));
    expect(enc.vocabulary).toEqual(expect.arrayContaining(['B3', 'C4', 'C#4', 'B-4', '11.3.6', '1.5.8']));
    expect(Number.isFinite(readMetrics(runDir)[1].loss)).toBe(true);
    r.model.dispose();
  });

  it('keeps only the newest N checkpoints but never the best', async () => {
    const r = await trainer({ epochs: 4, batchSize: 8, checkpoint: { saveBestOnly: false, keepLast: 2, filename: 'e{epoch:02d}' } }).train(job());
    const names = fs.readdirSync(path.join(runDir, 'checkpoints')).sort();
    const best = fs.readFileSync(path.join(runDir, 'best'), 'utf8').trim();
    expect(names).toContain(best);
    expect(names).toEqual(expect.arrayContaining(['e04']));
    expect(names.length).toBeLessThanOrEqual(3);
    r.model.dispose();
  });
});

describe('options', () => {
  it.each([
    [{ checkpoint: { monitor: 'val_loss' } }, "trainer.options.checkpoint.monitor: 'val_loss' needs a validation split; add trainer.options.validation: { pieces: 0.1 }"],
    [{ checkpoint: { filename: 'w-{val_loss:.4f}' } }, 'needs a validation split'],
    [{ checkpoint: { filename: 'w-{los}' } }, "unknown field '{los}'"],
    [{ augment: { transpose: [3, -2] } }, 'the lower bound must not exceed the upper'],
    [{ batchsize: 3 }, "unknown key 'batchsize' (did you mean 'batchSize'?)"],
    [{ validation: { pieces: 1 } }, 'trainer.options.validation.pieces: 1 is out of range'],
  ])('rejects %j', (raw, message) => {
    expect(() => parseSupervisedOptions(raw, 'trainer.options')).toThrow(message);
  });

  it('fills in the notebook defaults', () => {
    expect(parseSupervisedOptions({}, 't')).toMatchObject({
      epochs: 200,
      batchSize: 64,
      checkpoint: { monitor: 'loss', mode: 'auto', saveBestOnly: true, filename: 'weights-improvement-{epoch:02d}-{loss:.4f}-bigger' },
    });
  });
});

describe('clipGradients', () => {
  it('clips each gradient to clipNorm and each element to clipValue', () => {
    const g = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([0.1, -0.2]) };
    const n = clipGradients(g, 1);
    expect(Array.from(n.a.dataSync())).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(Array.from(n.b.dataSync())).toEqual([expect.closeTo(0.1, 6), expect.closeTo(-0.2, 6)]);
    const v = clipGradients(g, undefined, 0.15);
    expect(Array.from(v.b.dataSync())).toEqual([expect.closeTo(0.1, 6), expect.closeTo(-0.15, 6)]);
  });
});

describe('trainer.options.workers (data-parallel)', () => {
  function jobWith(model: Record<string, unknown>, over: Partial<TrainJob> = {}): TrainJob {
    const modelOptions = lstmModelFactory.parseOptions({ layers: [4], dense: [3], lstm: 'fused', ...model }, 'model.options');
    return {
      runDir,
      pieces,
      encoder: new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true }),
      modelBuilder: lstmModelFactory.create(modelOptions, { rng: new Rng(5).fork('ModelBuilder'), log: quiet, baseDir: '.' }),
      config: { name: 'tiny' },
      ...over,
    };
  }
  const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

  it('rejects workers outside 1..2 naming the option', () => {
    expect(() => parseSupervisedOptions({ workers: 3 }, 'trainer.options')).toThrow('trainer.options.workers: 3 is out of range');
    expect(parseSupervisedOptions({}, 'trainer.options').workers).toBe(1);
  });

  it.each([
    ['one-hot targets', () => new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true })],
    ['sparse targets', () => new EmbeddingEncoder({ sequenceLength: 4, stride: 1, crossPieces: true, dim: 3 })],
    ['sparse targets at every step', () => new EmbeddingEncoder({ sequenceLength: 4, stride: 2, crossPieces: true, dim: 3, targets: 'all' })],
    ['one-hot targets at every step', () => new SeedScalarEncoder({ sequenceLength: 4, stride: 2, crossPieces: true, targets: 'all' })],
  ])('2 workers give the loss, accuracy and weights of 1 after 3 steps (within 1e-4), %s', async (_, makeEncoder) => {
    const opts = { epochs: 1, batchSize: 9, maxSteps: 3, learningRate: 0.05, clipNorm: 1 };
    const run = async (workers: number) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-w-'));
      try {
        const r = await trainer({ ...opts, workers }).train(jobWith({ dropout: 0 }, { runDir: dir, encoder: makeEncoder() }));
        const out = { m: readMetrics(dir)[0], w: weightsOf(r.model) };
        r.model.dispose();
        return out;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const one = await run(1);
    const two = await run(2);
    expect(Math.abs(two.m.loss - one.m.loss)).toBeLessThan(1e-4);
    expect(two.m.accuracy).toBe(one.m.accuracy);
    two.w.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - one.w[i][j])).toBeLessThan(1e-4)));
  });

  it('with dropout, 2 workers are reproducible and resume exactly (masks from the run seed)', async () => {
    const opts = { batchSize: 8, learningRate: 0.05, workers: 2, checkpoint: { saveBestOnly: false, filename: 'e{epoch:02d}' } };
    const straight = await trainer({ ...opts, epochs: 2 }).train(jobWith({ dropout: 0.3 }));
    const a = readMetrics(runDir).map((m) => [m.loss, m.accuracy]);
    straight.model.dispose();
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(runDir);
    (await trainer({ ...opts, epochs: 1 }).train(jobWith({ dropout: 0.3 }))).model.dispose();
    const resumed = await trainer({ ...opts, epochs: 2 }).train(jobWith({ dropout: 0.3 }, { resume: true }));
    const b = readMetrics(runDir).map((m) => [m.loss, m.accuracy]);
    resumed.model.dispose();
    expect(b).toEqual(a);
    // Dropout is really applied in the workers: without it the same run differs.
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(runDir);
    (await trainer({ ...opts, epochs: 1 }).train(jobWith({ dropout: 0 }))).model.dispose();
    expect(readMetrics(runDir)[0].loss).not.toBeCloseTo(a[0][0], 6);
  });
});

it('2 workers carry BatchNormalization moving statistics back to the model', async () => {
  const modelOptions = lstmModelFactory.parseOptions({ layers: [4], dense: [3], lstm: 'fused', dropout: 0, batchNorm: true }, 'model.options');
  const run = async (workers: number) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-bn-'));
    try {
      const r = await trainer({ epochs: 1, batchSize: 8, maxSteps: 3, workers }).train({
        runDir: dir,
        pieces,
        encoder: new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true }),
        modelBuilder: lstmModelFactory.create(modelOptions, { rng: new Rng(5).fork('ModelBuilder'), log: quiet, baseDir: '.' }),
        config: {},
      });
      const stats = r.model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
      r.model.dispose();
      return stats;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const one = await run(1);
  const two = await run(2);
  expect(one.length).toBe(4); // moving mean and variance of two BatchNormalization layers
  // The moving means match (equal shards); variances within the between-shard spread.
  [0, 2].forEach((k) => two[k].forEach((v, j) => expect(Math.abs(v - one[k][j])).toBeLessThan(1e-4)));
  [1, 3].forEach((k) => two[k].forEach((v, j) => expect(Math.abs(v - one[k][j])).toBeLessThan(0.05)));
  expect(two[0].some((v) => v !== 0)).toBe(true);
});
