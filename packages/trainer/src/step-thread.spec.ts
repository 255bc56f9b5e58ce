import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InterruptedError, Rng, modelSpecOf, type EncodedBatch, type Logger, type Piece } from '@piano-lstm/core';
import { EmbeddingEncoder, MultiHeadEncoder, SeedScalarEncoder, initBackend, lstmModelFactory, multiHeadEncoderFactory, multiHeadModelFactory, nativeLstmStatus, type TokenEncoder } from '@piano-lstm/model';
import { InProcessStep } from './step-strategy';
import { ThreadedStep } from './step-thread';
import { parseSupervisedOptions } from './supervised-options';
import { SupervisedTrainer, type TrainJob } from './supervised-trainer';
import type { TrainingCallback } from './training-callback';

const notes = ['C4', 'D4', 'E4', 'F4', 'G4', 'A4', 'B4', '0.4.7'];
const pieces: Piece[] = Array.from({ length: 5 }, (_, k) => ({
  path: `p${k}.mid`,
  tokens: Array.from({ length: 24 }, (_, i) => notes[(i * (k + 1) + k) % notes.length]),
}));
jest.setTimeout(120_000);

beforeAll(() => initBackend('cpu'));

function logger(warnings: string[] = []): Logger {
  return { info: () => undefined, warn: (m: string) => void warnings.push(m), debug: () => undefined };
}

function job(runDir: string, encoder: TokenEncoder, model: Record<string, unknown>, over: Partial<TrainJob> = {}): TrainJob {
  const options = lstmModelFactory.parseOptions({ layers: [6], dense: [5], lstm: 'fused', ...model }, 'model.options');
  return {
    runDir,
    pieces,
    encoder,
    modelBuilder: lstmModelFactory.create(options, { rng: new Rng(7).fork('ModelBuilder'), log: logger(), baseDir: '.' }),
    config: { name: 'thread' },
    ...over,
  };
}

const trainer = (raw: Record<string, unknown>, warnings: string[] = []) =>
  new SupervisedTrainer(parseSupervisedOptions({ progress: 'lines', ...raw }, 'trainer.options'), new Rng(3).fork('Trainer'), logger(warnings));

/** What a run leaves that must not depend on the thread its steps ran on. */
function outcome(dir: string) {
  const metrics = fs
    .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { samples_per_s: _s, seconds: _t, ...rest } = JSON.parse(l) as Record<string, number>;
      return rest;
    });
  const ckpts = fs.readdirSync(path.join(dir, 'checkpoints')).sort();
  const files = Object.fromEntries(ckpts.flatMap((c) => ['weights.bin', 'optimizer.bin'].map((f) => [`${c}/${f}`, fs.readFileSync(path.join(dir, 'checkpoints', c, f)).toString('base64')])));
  const slots = ckpts.map((c) => (JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', c, 'optimizer.json'), 'utf8')) as { specs: { name: string }[] }).specs.map((sp) => sp.name));
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', ckpts[ckpts.length - 1], 'state.json'), 'utf8')) as { rng: unknown; trainer: { layerCalls: unknown } };
  return { metrics, files, slots, rng: state.rng, layerCalls: state.trainer.layerCalls };
}

async function trainIn(stepThread: string, encoder: () => TokenEncoder, model: Record<string, unknown>, raw: Record<string, unknown>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `thread-${stepThread}-`));
  try {
    const r = await trainer({ ...raw, stepThread }).train(job(dir, encoder(), model));
    const weights = r.model.getWeights().map((w) => Array.from(w.dataSync()));
    const variables = r.model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    r.model.dispose();
    return { ...outcome(dir), weights, variables };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the step thread (trainer.options.stepThread)', () => {
  it.each([
    ['one-hot targets, rmsprop, dropout, a validation split', () => new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true }), { dropout: 0.3 }, { optimizer: 'rmsprop', validation: { pieces: 0.2 } }],
    ['sparse targets at every step, adam, clipping, a learning rate lowered on plateau', () => new EmbeddingEncoder({ sequenceLength: 4, stride: 1, crossPieces: true, dim: 3, targets: 'all' }), { dropout: 0.2 }, { optimizer: 'adam', learningRate: 0.2, clipNorm: 0.5, reduceLrOnPlateau: { monitor: 'loss', factor: 0.5, minDelta: 10 } }],
    ['batch normalization (moving statistics)', () => new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true }), { dropout: 0, batchNorm: true }, {}],
  ])('trains exactly as the main thread: %s', async (_, encoder, model, raw) => {
    const opts = { epochs: 3, batchSize: 8, checkpoint: { saveBestOnly: false, filename: 'e{epoch:02d}' }, ...raw };
    const main = await trainIn('main', encoder, model, opts);
    const worker = await trainIn('worker', encoder, model, opts);
    expect(worker.metrics).toEqual(main.metrics);
    // checkpoints byte for byte: weights, optimizer slots and their names, random state
    expect(worker.files).toEqual(main.files);
    expect(worker.rng).toEqual(main.rng);
    expect(worker.layerCalls).toEqual(main.layerCalls);
    expect(worker.weights).toEqual(main.weights);
    // Slots are named after the trainer's own variables (the worker's are numbered afresh in its
    // thread); the two runs' models were built one after the other here, so their numbers differ.
    const slotsOf = (r: typeof main) => r.slots.map((names) => names.map((n) => n.replace(/\/[a-z]+$/, '')));
    for (const names of slotsOf(worker)) expect(names.filter((n) => n !== 'iter').every((n) => worker.variables.includes(n))).toBe(true);
    const numbered = (r: typeof main) => r.slots.map((names) => names.map((n) => n.replace(/\d+\//, '#/')));
    expect(numbered(worker)).toEqual(numbered(main));
    if ('reduceLrOnPlateau' in raw) expect(new Set(main.metrics.map((m) => m.lr)).size).toBeGreaterThan(1);
  });

  it.each([
    ['the multi-head network (rhythm), every-step targets', 'multi-head'],
    [`lstm: auto (here: ${nativeLstmStatus().available ? 'native' : 'fused, the addon is not built'})`, 'auto'],
  ])('runs %s on the step thread itself (no fallback), with the numbers of the main thread', async (_, kind) => {
    const timed = pieces.map((p, k) => ({ path: p.path, tokens: p.tokens.map((t, i) => `${t.includes('.') ? 'C5' : t}|${(i + k) % 3 === 0 ? '1/2' : '1'}|${i % 2 ? '1' : '2'}`) }));
    const run = async (stepThread: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `thread-${kind}-`));
      const warnings: string[] = [];
      try {
        const multi = kind === 'multi-head';
        const factory = multi ? multiHeadModelFactory : lstmModelFactory;
        const options = factory.parseOptions({ layers: [6], dense: [], dropout: 0.1, lstm: 'auto' }, 'model.options');
        const encoder = multi
          ? new MultiHeadEncoder(multiHeadEncoderFactory.parseOptions({ sequenceLength: 4, stride: 4, targets: 'all' }, 'encoder.options'))
          : new EmbeddingEncoder({ sequenceLength: 4, stride: 1, crossPieces: true, dim: 3 });
        const r = await trainer({ epochs: 2, batchSize: 4, validation: { pieces: 0.2 }, stepThread }, warnings).train({
          runDir: dir,
          pieces: multi ? timed : pieces,
          encoder,
          modelBuilder: factory.create(options, { rng: new Rng(3).fork('ModelBuilder'), log: logger(), baseDir: '.' }),
          config: {},
        });
        r.model.dispose();
        return { ...outcome(dir), warnings };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const main = await run('main');
    const worker = await run('worker');
    expect(worker.warnings).toEqual([]);
    expect(worker.metrics).toEqual(main.metrics);
    expect(worker.files).toEqual(main.files);
  });

  it('an interrupted run on the step thread resumes to the uninterrupted main-thread run', async () => {
    const encoder = () => new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true });
    const opts = { epochs: 2, batchSize: 8, checkpoint: { saveBestOnly: false, filename: 'e{epoch:02d}' } };
    const main = await trainIn('main', encoder, { dropout: 0.3 }, opts);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-resume-'));
    try {
      const ac = new AbortController();
      const abortAt13: TrainingCallback = { onBatchEnd: (_, s) => void (s.globalStep === 13 && ac.abort()) };
      await expect(trainer({ ...opts, stepThread: 'worker' }).train(job(dir, encoder(), { dropout: 0.3 }, { signal: ac.signal, callbacks: [abortAt13] }))).rejects.toThrow(InterruptedError);
      const r = await trainer({ ...opts, stepThread: 'worker' }).train(job(dir, encoder(), { dropout: 0.3 }, { resume: true }));
      r.model.dispose();
      expect(outcome(dir).metrics.map((m) => m.loss)).toEqual(main.metrics.map((m) => m.loss));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the event loop free during a step (the in-process step holds it)', async () => {
    const encoder = new SeedScalarEncoder({ sequenceLength: 32, stride: 1, crossPieces: true });
    encoder.fit(pieces);
    const built = await lstmModelFactory
      .create(lstmModelFactory.parseOptions({ layers: [64, 64], dense: [32], lstm: 'fused', dropout: 0 }, 'model.options'), { rng: new Rng(1), log: logger(), baseDir: '.' })
      .build(modelSpecOf(encoder));
    const windows = encoder.windows(pieces);
    const batch: EncodedBatch = encoder.batch(windows, Array.from({ length: 16 }, (_, i) => i));
    const setup = { model: built, optimizer: built.optimizer, sparse: encoder.targetKind === 'sparse' };
    const ticksDuring = async (s: InProcessStep | ThreadedStep) => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const t0 = performance.now();
      await s.step(batch);
      const ms = performance.now() - t0;
      clearInterval(timer);
      return { ticks, ms };
    };
    const threaded = await ThreadedStep.start(setup);
    try {
      await threaded.step(batch); // the worker's first step allocates
      const t = await ticksDuring(threaded);
      const m = await ticksDuring(new InProcessStep(setup));
      expect(m.ticks).toBe(0);
      // a 1 ms timer runs all through the step (allow for a loaded machine: a third of the chances)
      expect(t.ms).toBeGreaterThan(5);
      expect(t.ticks).toBeGreaterThanOrEqual(Math.min(3, Math.floor(t.ms / 3)));
    } finally {
      await threaded.dispose();
      built.dispose();
    }
  });

  it('a step fails with one clear line when the step thread is gone, and the model keeps its last synced weights', async () => {
    const encoder = new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true });
    encoder.fit(pieces);
    const built = await lstmModelFactory
      .create(lstmModelFactory.parseOptions({ layers: [4], dense: [3], lstm: 'fused' }, 'model.options'), { rng: new Rng(1), log: logger(), baseDir: '.' })
      .build(modelSpecOf(encoder));
    const before = built.getWeights().map((w) => Array.from(w.dataSync()));
    const batch = encoder.batch(encoder.windows(pieces), [0, 1, 2, 3]);
    const threaded = await ThreadedStep.start({ model: built, optimizer: built.optimizer, sparse: false });
    await threaded.step(batch);
    await threaded.dispose();
    await expect(threaded.step(batch)).rejects.toThrow(/^the training step thread exited with code \d+$/);
    expect(built.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    built.dispose();
  });

  it('falls back to the main thread, saying why, when the worker cannot rebuild the model', async () => {
    class OnlyHere extends tf.layers.Layer {
      static readonly className = 'OnlyHereLayer';
      override computeOutputShape(s: tf.Shape) {
        return s;
      }
    }
    tf.serialization.registerClass(OnlyHere);
    const encoder = new SeedScalarEncoder({ sequenceLength: 4, stride: 1, crossPieces: true });
    const base = job('', encoder, {});
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-fallback-'));
    const warnings: string[] = [];
    try {
      const modelBuilder = {
        ...base.modelBuilder,
        build: async (spec: Parameters<typeof base.modelBuilder.build>[0]) => {
          const inner = await base.modelBuilder.build(spec);
          const m = tf.sequential({ layers: [new OnlyHere({ inputShape: inner.inputs[0].shape.slice(1) as number[] }), ...inner.layers] });
          m.compile({ optimizer: inner.optimizer, loss: 'categoricalCrossentropy' });
          return m;
        },
      };
      const r = await trainer({ epochs: 1, batchSize: 8 }, warnings).train({ ...base, runDir: dir, modelBuilder });
      r.model.dispose();
      expect(warnings.join('\n')).toMatch(/trainer\.options\.stepThread: the step thread could not start \(.*OnlyHereLayer.*\); stepping on the main thread/);
      expect(fs.existsSync(path.join(dir, 'metrics.jsonl'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
