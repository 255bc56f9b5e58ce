import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError, RunFolder, modelSpecOf, type EpochMetrics, type Logger, type ModelBuilder, type Piece, type Rng, type StageRegistry, type Trainer as StageTrainer } from '@piano-lstm/core';
import {
  DropoutNoise,
  FusedLSTM,
  attachNoise,
  corpusFingerprint,
  createOptimizer,
  describeOptimizer,
  loadCheckpoint,
  nativeThreads,
  restoreRandomState,
  setLearningRate,
  transposeTokens,
  type CorpusFingerprint,
  type IdWindowSet,
  type TokenEncoder,
} from '@piano-lstm/model';
import { earlyStopping } from './callbacks/early-stopping';
import { interruptCheckpoint } from './callbacks/interrupt-checkpoint';
import { maxSteps } from './callbacks/max-steps';
import { maxMinutes } from './callbacks/max-minutes';
import { reduceLrOnPlateau } from './callbacks/reduce-lr-on-plateau';
import { metricsLog } from './callbacks/metrics-log';
import { modelCheckpoint } from './callbacks/model-checkpoint';
import { progressCallback } from './callbacks/progress-callback';
import { spawnStepThread, stepThreadBackend, ThreadedStep, type StepThreadChannel } from './step-thread';
import { DataParallelStep, InProcessStep, evaluateWindows, type StepSetup, type StepStrategy } from './step-strategy';
import type { HeadLayout } from './step-math';
import type { SupervisedOptions } from './supervised-options';
import type { TrainingCallback } from './training-callback';
import { runTrainingLoop, shuffledOrder, type LoopData } from './training-loop';
import { TrainingSession, type Bookkeeping, type StartPoint } from './training-session';

export type { EpochMetrics } from '@piano-lstm/core';

export interface TrainJob {
  /** The run folder: metrics.jsonl, vocab.json and checkpoints/ go there. */
  runDir: string;
  pieces: Piece[];
  encoder: TokenEncoder;
  modelBuilder: ModelBuilder<tf.LayersModel>;
  /** The resolved experiment, stored in every checkpoint. */
  config: unknown;
  /** Continue from `runDir`'s newest checkpoint. */
  resume?: boolean;
  /** Aborting it stops training after the current batch, with a checkpoint. */
  signal?: AbortSignal;
  /** Recorded in checkpoints. */
  backend?: string;
  /** How to resume, printed on interrupt. */
  resumeHint?: string;
  onEpochEnd?(metrics: EpochMetrics, model: tf.LayersModel): void;
  /** More callbacks, run after progress and before the interrupt and checkpoint parts (tests stop a run with one). */
  callbacks?: TrainingCallback[];
  /** Rebuilds the checkpoint's encoder on resume (the run's registry, so plugin types reload; default: model's built-in types). */
  registry?: StageRegistry;
  /** Called once the vocabulary is known and the pieces are split, before the first batch. */
  onReady?(info: { encoder: TokenEncoder; train: Piece[]; validation: Piece[]; model: tf.LayersModel }): void;
  progressStream?: NodeJS.WriteStream;
}

export interface TrainResult {
  model: tf.LayersModel;
  metrics: EpochMetrics[];
  /** Name of the best checkpoint, if one was written. */
  best?: string;
  stoppedEarly: boolean;
  stoppedAtMaxSteps: boolean;
  /** Training ended because `maxMinutes` ran out. */
  stoppedAtTimeBudget: boolean;
  /** A resumed run whose checkpoint had already done every epoch: nothing was trained. */
  alreadyFinished: boolean;
  trainPieces: number;
  validationPieces: number;
}

/** The Trainer stage's contract (core's `Trainer` token) with this package's job and result. */
export type Trainer = StageTrainer<TrainJob, TrainResult>;

/** Whole pieces held out for validation, chosen with the run's seed; at least one piece each side. */
export function splitByPiece(pieces: readonly Piece[], fraction: number, rng: Rng): { train: Piece[]; validation: Piece[] } {
  if (fraction <= 0) return { train: [...pieces], validation: [] };
  if (pieces.length < 2) {
    throw new InputError(`trainer.options.validation.pieces ${fraction} needs at least 2 pieces, but the corpus has ${pieces.length}; add pieces or remove the validation split`);
  }
  const order = rng.shuffle(pieces.map((_, i) => i));
  const nVal = Math.min(pieces.length - 1, Math.max(1, Math.round(fraction * pieces.length)));
  const val = new Set(order.slice(0, nVal));
  return { train: pieces.filter((_, i) => !val.has(i)), validation: pieces.filter((_, i) => val.has(i)) };
}

/** The trainer's random streams: their states are part of every checkpoint. */
type Streams = { shuffle: Rng; augment: Rng };

/**
 * The `supervised` Trainer: sets a run up (fresh, or from its latest checkpoint), then hands it to
 * the training loop with a step strategy (on the step thread, in process, or data-parallel) and its callbacks.
 */
export class SupervisedTrainer implements Trainer {
  constructor(
    readonly options: SupervisedOptions,
    private readonly rng: Rng,
    private readonly log: Logger,
  ) {}

  async train(job: TrainJob): Promise<TrainResult> {
    // The step thread loads its modules while the model is built or loaded.
    const spare = { thread: this.stepThreadWanted() ? spawnStepThread() : undefined };
    try {
      return await this.trainWith(job, spare);
    } finally {
      await spare.thread?.worker.terminate();
    }
  }

  private async trainWith(job: TrainJob, spare: { thread?: StepThreadChannel }): Promise<TrainResult> {
    const o = this.options;
    const { encoder } = job;
    const run = RunFolder.at(job.runDir);
    const split = splitByPiece(job.pieces, o.validation.pieces, this.rng.fork('validation'));
    const streams: Streams = { shuffle: this.rng.fork('shuffle'), augment: this.rng.fork('augment') };
    const fingerprint = corpusFingerprint(job.pieces);
    const start = job.resume ? await this.resume(job, run, streams, fingerprint) : await this.fresh(job);
    const result = (alreadyFinished: boolean, session?: TrainingSession): TrainResult => ({
      model: start.model,
      metrics: start.history,
      best: (session?.book ?? start.book).bestName,
      stoppedEarly: Boolean(session?.stops.has('early')),
      stoppedAtMaxSteps: Boolean(session?.stops.has('maxSteps')),
      stoppedAtTimeBudget: Boolean(session?.stops.has('maxMinutes')),
      alreadyFinished,
      trainPieces: split.train.length,
      validationPieces: split.validation.length,
    });
    if (start.startEpoch > o.epochs) return result(true);
    run.writeJson('vocab', encoder.vocabulary);
    job.onReady?.({ encoder, train: split.train, validation: split.validation, model: start.model });

    const data = this.loopData(encoder, split, streams, { model: start.model, optimizer: start.optimizer });
    const session = new TrainingSession({ ...start, run, encoder, streams, epochs: o.epochs, log: this.log, config: job.config, fingerprint, backend: job.backend });
    const thread = spare.thread;
    spare.thread = undefined; // stepStrategy owns it now
    const strategy = await this.stepStrategy(data.setup, thread);
    try {
      await runTrainingLoop(session, data, strategy, this.callbacks(job, run));
    } finally {
      await strategy.dispose();
    }
    if (start.optimizer !== start.model.optimizer) start.optimizer.dispose();
    return result(false, session);
  }

  private async fresh(job: TrainJob): Promise<StartPoint> {
    job.encoder.fit(this.vocabularyPieces(job.pieces));
    const model = await job.modelBuilder.build(modelSpecOf(job.encoder));
    return { model, optimizer: this.makeOptimizer(model), startEpoch: 1, startStep: 0, globalStep: 0, book: { wait: 0, kept: [] }, history: [] };
  }

  private async resume(job: TrainJob, run: RunFolder, streams: Streams, fingerprint: CorpusFingerprint): Promise<StartPoint> {
    const ckpt = await loadCheckpoint(job.runDir, undefined, { prefer: 'latest', registry: job.registry });
    const state = ckpt.state;
    if (!state) throw new InputError(`checkpoint ${ckpt.dir} has no state.json; it cannot be resumed (only used for generation)`, { exitCode: 1 });
    if (ckpt.fingerprint && ckpt.fingerprint.sha256 !== fingerprint.sha256) {
      this.log.warn(`the corpus differs from the one checkpoint ${ckpt.name} was trained on (${ckpt.fingerprint.tokens} → ${fingerprint.tokens} tokens); continuing, but not exactly`);
    }
    job.encoder.restore(ckpt.encoder.vocabulary);
    const model = await this.rebuild(job, job.encoder, ckpt.model);
    const book: Bookkeeping = { wait: 0, kept: [], ...(state.trainer as Partial<Bookkeeping> | undefined) };
    const optimizer = this.reconcileOptimizer(await ckpt.restoreOptimizer(), model, book.lrScale ?? 1);
    restoreRandomState(model, streams, { rng: state.rng, layerCalls: book.layerCalls });
    const history = run.truncateMetrics(state.epoch);
    if (state.epoch < this.options.epochs || state.step) {
      this.log.info(`resuming from checkpoint ${ckpt.name}: epoch ${state.epoch}${state.step ? ` + ${state.step} batches` : ''}`);
    }
    return { model, optimizer, startEpoch: state.epoch + 1, startStep: state.step, globalStep: state.globalStep, book, history };
  }

  /** The parts of training, in the order they hear each event. */
  private callbacks(job: TrainJob, run: RunFolder): TrainingCallback[] {
    const o = this.options;
    const progress = progressCallback(o.progress, this.log, job.progressStream, o.logEvery);
    const hint = job.resumeHint ?? `piano-lstm train ${run.file('config')} --resume ${run.dir}`;
    const onEpochEnd = job.onEpochEnd;
    return [
      metricsLog(),
      progress,
      ...(job.callbacks ?? []),
      ...(job.signal ? [interruptCheckpoint(job.signal, hint, () => progress.pause())] : []),
      ...(o.maxSteps !== undefined ? [maxSteps(o.maxSteps)] : []),
      ...(o.maxMinutes !== undefined ? [maxMinutes(o.maxMinutes)] : []),
      ...(o.earlyStopping ? [earlyStopping(o.earlyStopping)] : []),
      ...(o.reduceLrOnPlateau ? [reduceLrOnPlateau(o.reduceLrOnPlateau)] : []),
      modelCheckpoint(o.checkpoint),
      ...(onEpochEnd ? [{ onEpochEnd: ({ metrics }, s) => onEpochEnd(metrics, s.model) } satisfies TrainingCallback] : []),
    ];
  }

  /** Whether steps will run on a step thread (stepStrategy says why not, when asked for and impossible). */
  private stepThreadWanted(): boolean {
    return this.options.workers === 1 && this.options.stepThread !== 'main' && stepThreadBackend() !== undefined;
  }

  private async stepStrategy(setup: StepSetup, thread?: StepThreadChannel): Promise<StepStrategy> {
    if (this.options.workers > 1) return DataParallelStep.start(setup, this.options.workers, this.log);
    // The engine and its threads: what a user comparing runs (or wondering about speed) needs to know.
    if (setup.model.layers.some((l) => l instanceof FusedLSTM && l.engineName === 'native')) {
      this.log.info(`lstm: native (oneDNN), ${nativeThreads()} thread(s) — model.options.threads overrides`);
    }
    const wanted = this.stepThreadWanted();
    if (this.options.stepThread === 'worker' && !wanted) {
      throw new ConfigError('trainer.options.stepThread', `'worker' runs on the wasm and cpu backends, not '${tf.getBackend()}'; set stepThread: main (or auto), or backend: wasm`);
    }
    if (!wanted) return new InProcessStep(setup);
    try {
      return await ThreadedStep.start(setup, thread);
    } catch (e) {
      // A model the worker cannot rebuild (a plugin's layer registered only here, say) still trains.
      this.log.warn(`trainer.options.stepThread: the step thread could not start (${(e as Error).message.split('\n')[0]}); stepping on the main thread (stepThread: main skips the attempt)`);
      return new InProcessStep(setup);
    }
  }

  /** The windows each epoch trains on (fixed, or transposed afresh), and the validation scorer. */
  private loopData(encoder: TokenEncoder, split: { train: Piece[]; validation: Piece[] }, streams: Streams, nets: Pick<StepSetup, 'model' | 'optimizer'>): LoopData & { setup: StepSetup } {
    const o = this.options;
    const setup: StepSetup = { ...nets, sparse: encoder.targetKind === 'sparse', heads: headsOf(encoder), clipNorm: o.clipNorm, clipValue: o.clipValue };
    const valWindows = split.validation.length ? encoder.scoringWindows(split.validation) : undefined;
    if (valWindows && valWindows.count === 0) {
      throw new InputError(`the validation pieces give no windows of ${encoder.sequenceLength} tokens; raise trainer.options.validation.pieces or lower encoder.options.sequenceLength`);
    }
    const fixed = o.augment ? undefined : encoder.windows(split.train);
    if (fixed && fixed.unknownTokens > 0) this.log.warn(`${fixed.unknownTokens} training tokens are not in the vocabulary and were skipped`);
    const planEpoch = () => {
      const windows = fixed ?? this.augmentedWindows(split.train, encoder, streams.augment);
      if (windows.count === 0) {
        throw new InputError(`the training pieces give no windows of ${encoder.sequenceLength} tokens (${split.train.reduce((n, p) => n + p.tokens.length, 0)} tokens in all); lower encoder.options.sequenceLength or add pieces`);
      }
      return { windows, order: shuffledOrder(windows.count, o.shuffle ? streams.shuffle : undefined), batches: Math.ceil(windows.count / o.batchSize) };
    };
    const validate = () => (valWindows ? evaluateWindows(setup, encoder, valWindows, o.batchSize) : undefined);
    return { encoder, batchSize: o.batchSize, planEpoch, validate, setup };
  }

  /**
   * The model a resumed run continues with: built by the same builder as a fresh run (so every layer
   * is the same implementation, with the same kernels registered), carrying the checkpoint's weights.
   * Falls back to the deserialised model when the architecture no longer matches the config.
   */
  private async rebuild(job: TrainJob, encoder: TokenEncoder, saved: tf.LayersModel): Promise<tf.LayersModel> {
    const fresh = await job.modelBuilder.build(modelSpecOf(encoder));
    const weights = saved.getWeights();
    const fits = weights.length === fresh.weights.length && fresh.weights.every((w, i) => w.shape.join() === weights[i].shape.join());
    if (!fits) {
      fresh.dispose();
      this.log.warn('the model options changed since the checkpoint; continuing with the checkpoint\'s own architecture');
      attachNoise(saved, new DropoutNoise(this.rng.fork('model.dropout')));
      return saved;
    }
    fresh.setWeights(weights);
    saved.dispose();
    return fresh;
  }

  /**
   * On resume the checkpoint's optimizer state wins, unless the config now asks for something else:
   * a new learning rate is applied to the restored optimizer, a different optimizer starts fresh (said aloud).
   */
  private reconcileOptimizer(restored: tf.Optimizer | null | undefined, model: tf.LayersModel, lrScale: number): tf.Optimizer {
    if (!restored) return this.makeOptimizer(model);
    const before = describeOptimizer(restored);
    const { optimizer: wanted, learningRate } = this.options;
    if (wanted !== undefined && wanted !== before.name) {
      this.log.warn(`optimizer changed from ${before.name} to ${wanted} since the checkpoint: ${wanted} starts with fresh state`);
      restored.dispose();
      return this.makeOptimizer(model);
    }
    // reduceLrOnPlateau lowered the rate by lrScale so far: the configured rate is compared at that scale
    const scaled = learningRate === undefined ? undefined : learningRate * lrScale;
    if (scaled !== undefined && Math.abs(scaled - before.learningRate!) > 1e-12 * scaled) {
      setLearningRate(restored, scaled);
      this.log.info(`learning rate changed from ${before.learningRate} to ${scaled} since the checkpoint`);
    }
    return restored;
  }

  /** The trainer's optimizer option wins over the one the model was compiled with. */
  private makeOptimizer(model: tf.LayersModel): tf.Optimizer {
    const { optimizer, learningRate } = this.options;
    if (optimizer === undefined && learningRate === undefined) return model.optimizer;
    const name = optimizer ?? describeOptimizer(model.optimizer).name;
    return createOptimizer({ name, learningRate });
  }

  /** Pieces the vocabulary is built from: all pieces, and every transposition augmentation can produce. */
  private vocabularyPieces(pieces: Piece[]): Piece[] {
    const t = this.options.augment?.transpose;
    if (!t) return pieces;
    const out: Piece[] = [];
    for (let k = t[0]; k <= t[1]; k++) for (const p of pieces) out.push({ path: p.path, tokens: transposeTokens(p.tokens, k) });
    return out;
  }

  private augmentedWindows(pieces: Piece[], encoder: TokenEncoder, rng: Rng): IdWindowSet {
    const [lo, hi] = this.options.augment!.transpose;
    return encoder.windows(pieces.map((p) => ({ path: p.path, tokens: transposeTokens(p.tokens, rng.range(lo, hi)) })));
  }
}

/** Multi-head encoders: accuracy counts a step right when every head's most likely value is. */
function headsOf(encoder: TokenEncoder): HeadLayout | undefined {
  return encoder.multiHead?.heads;
}

