import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError, InterruptedError, writeFileAtomic, type Logger, type ModelBuilder, type ModelSpec, type Piece, type Rng, type StageRegistry, type Trainer as StageTrainer } from '@piano-lstm/core';
import {
  CHECKPOINTS_DIR,
  DataParallelGradients,
  DropoutNoise,
  FusedLSTM,
  attachNoise,
  corpusFingerprint,
  createOptimizer,
  describeOptimizer,
  loadCheckpoint,
  markCheckpoint,
  noiseOf,
  saveCheckpoint,
  transposeTokens,
  type IdWindowSet,
  type RngState,
  type TokenEncoder,
  type TrainingState,
} from '@piano-lstm/model';
import { formatTemplate } from './filename-template';
import { createProgress } from './progress';
import { resolveMode, type Monitor, type SupervisedOptions } from './supervised-options';

/** One line of metrics.jsonl. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  val_loss?: number;
  accuracy: number;
  val_accuracy?: number;
  samples_per_s: number;
  seconds: number;
  lr: number;
}

export interface TrainJob {
  /** Where metrics.jsonl, vocab.json and checkpoints/ go. */
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
  trainPieces: number;
  validationPieces: number;
}

/** The Trainer stage's contract (core's `Trainer` token) with this package's job and result. */
export type Trainer = StageTrainer<TrainJob, TrainResult>;

interface Bookkeeping {
  best?: number;
  bestName?: string;
  esBest?: number;
  wait: number;
  kept: string[];
  partial?: { lossSum: number; correct: number; seen: number; trainSeconds: number };
  /** Per-layer call counters of layers that derive dropout seeds from them (FusedLSTM). */
  layerCalls?: (number | null)[];
}

function layerCalls(model: tf.LayersModel): (number | null)[] {
  return model.layers.map((l) => {
    const c = (l as unknown as { calls?: unknown }).calls;
    return typeof c === 'number' ? c : null;
  });
}

function restoreLayerCalls(model: tf.LayersModel, calls: (number | null)[] | undefined): void {
  calls?.forEach((c, i) => {
    const layer = model.layers[i] as unknown as { calls?: unknown } | undefined;
    if (c !== null && layer && typeof layer.calls === 'number') layer.calls = c;
  });
}

const LAST = 'last';

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

/** Keras categorical cross-entropy on softmax outputs (probabilities clipped to [ε, 1-ε]). */
export function crossEntropy(probs: tf.Tensor, targets: tf.Tensor, sparse: boolean): tf.Scalar {
  return tf.tidy(() => {
    const y = sparse ? tf.oneHot(targets.toInt().flatten(), probs.shape[probs.shape.length - 1]).toFloat() : targets;
    const p = tf.clipByValue(probs, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(p)), -1))) as tf.Scalar;
  });
}

/** Keras `clipnorm` (each gradient to this L2 norm) and `clipvalue` (each element to ±v). */
export function clipGradients(grads: tf.NamedTensorMap, clipNorm?: number, clipValue?: number): tf.NamedTensorMap {
  if (clipNorm === undefined && clipValue === undefined) return grads;
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    out[name] = tf.tidy(() => {
      let c = g;
      if (clipNorm !== undefined) {
        const norm = tf.norm(c);
        c = tf.mul(c, tf.div(clipNorm, tf.maximum(norm, clipNorm)));
      }
      if (clipValue !== undefined) c = tf.clipByValue(c, -clipValue, clipValue);
      return c;
    });
  }
  return out;
}

export class SupervisedTrainer implements Trainer {
  /** Multi-head encoders: accuracy counts a step right when every head's most likely value is. */
  private heads?: readonly { offset: number; size: number }[];

  constructor(
    readonly options: SupervisedOptions,
    private readonly rng: Rng,
    private readonly log: Logger,
  ) {}

  async train(job: TrainJob): Promise<TrainResult> {
    const o = this.options;
    const { encoder } = job;
    const { train: trainPieces, validation: valPieces } = splitByPiece(job.pieces, o.validation.pieces, this.rng.fork('validation'));
    const shuffleRng = this.rng.fork('shuffle');
    const augmentRng = this.rng.fork('augment');
    const sparse = encoder.targetKind === 'sparse';
    this.heads = undefined;
    const fingerprint = corpusFingerprint(job.pieces);

    let model: tf.LayersModel;
    let optimizer: tf.Optimizer;
    let noise: DropoutNoise;
    let startEpoch = 1;
    let startStep = 0;
    let globalStep = 0;
    let book: Bookkeeping = { wait: 0, kept: [] };
    let metricsHistory: EpochMetrics[] = [];

    if (job.resume) {
      const ckpt = await loadCheckpoint(job.runDir, undefined, { prefer: 'latest', registry: job.registry });
      const state = ckpt.state;
      if (!state) throw new InputError(`checkpoint ${ckpt.dir} has no state.json; it cannot be resumed (only used for generation)`, { exitCode: 1 });
      if (ckpt.fingerprint && ckpt.fingerprint.sha256 !== fingerprint.sha256) {
        this.log.warn(`the corpus differs from the one checkpoint ${ckpt.name} was trained on (${ckpt.fingerprint.tokens} → ${fingerprint.tokens} tokens); continuing, but not exactly`);
      }
      encoder.restore(ckpt.encoder.vocabulary);
      model = await this.rebuild(job, encoder, ckpt.model);
      noise = noiseOf(model);
      if (state.rng.dropout) noise.rng.setState(state.rng.dropout);
      optimizer = this.reconcileOptimizer(await ckpt.restoreOptimizer(), model);
      if (state.rng.shuffle) shuffleRng.setState(state.rng.shuffle);
      if (state.rng.augment) augmentRng.setState(state.rng.augment);
      startEpoch = state.epoch + 1;
      startStep = state.step;
      globalStep = state.globalStep;
      book = { wait: 0, kept: [], ...(state.trainer as Partial<Bookkeeping> | undefined) };
      restoreLayerCalls(model, book.layerCalls);
      metricsHistory = this.truncateMetrics(job.runDir, state.epoch);
      this.log.info(`resuming from checkpoint ${ckpt.name}: epoch ${state.epoch}${state.step ? ` + ${state.step} batches` : ''}`);
    } else {
      encoder.fit(this.vocabularyPieces(job.pieces));
      model = await job.modelBuilder.build(this.modelSpec(encoder));
      noise = noiseOf(model);
      optimizer = this.makeOptimizer(model);
    }
    writeFileAtomic(path.join(job.runDir, 'vocab.json'), JSON.stringify(encoder.vocabulary), { force: true });
    job.onReady?.({ encoder, train: trainPieces, validation: valPieces, model });

    const valWindows = valPieces.length ? encoder.windows(valPieces) : undefined;
    if (valWindows && valWindows.count === 0) {
      throw new InputError(`the validation pieces give no windows of ${encoder.sequenceLength} tokens; raise trainer.options.validation.pieces or lower encoder.options.sequenceLength`);
    }
    const fixedTrainWindows = o.augment ? undefined : encoder.windows(trainPieces);
    if (fixedTrainWindows && fixedTrainWindows.unknownTokens > 0) this.log.warn(`${fixedTrainWindows.unknownTokens} training tokens are not in the vocabulary and were skipped`);

    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const parallel = o.workers > 1 ? await this.startWorkers(model) : undefined;
    const progress = createProgress(o.progress, this.log, job.progressStream);
    const ckMode = resolveMode(o.checkpoint.monitor, o.checkpoint.mode);
    const es = o.earlyStopping;
    const esMode = es ? resolveMode(es.monitor, es.mode) : 'min';
    let stoppedEarly = false;
    let stoppedAtMaxSteps = false;

    const saveState = async (name: string, state: TrainingState) => {
      await saveCheckpoint(path.join(job.runDir, CHECKPOINTS_DIR, name), {
        model,
        encoder,
        config: job.config,
        fingerprint,
        optimizer,
        state,
        backend: job.backend,
      });
    };

    try {
      for (let epoch = startEpoch; epoch <= o.epochs; epoch++) {
        const epochRng = { shuffle: shuffleRng.getState(), augment: augmentRng.getState() };
        const windows = fixedTrainWindows ?? this.augmentedWindows(trainPieces, encoder, augmentRng);
        if (windows.count === 0) {
          throw new InputError(`the training pieces give no windows of ${encoder.sequenceLength} tokens (${trainPieces.reduce((n, p) => n + p.tokens.length, 0)} tokens in all); lower encoder.options.sequenceLength or add pieces`);
        }
        const order = Array.from({ length: windows.count }, (_, i) => i);
        if (o.shuffle) shuffleRng.shuffle(order);
        const batches = Math.ceil(order.length / o.batchSize);
        const acc = epoch === startEpoch && book.partial ? { ...book.partial } : { lossSum: 0, correct: 0, seen: 0, trainSeconds: 0 };
        book.partial = undefined;
        const first = epoch === startEpoch ? startStep : 0;
        const epochStart = Date.now();
        progress.startEpoch(epoch, o.epochs, batches, first);
        let lastBatch = first;
        for (let b = first; b < batches; b++) {
          const t0 = Date.now();
          const batch = encoder.batch(windows, order.slice(b * o.batchSize, (b + 1) * o.batchSize));
          const { loss, correct } = parallel
            ? await this.parallelStep(parallel, model, optimizer, noise, batch, sparse)
            : this.step(model, optimizer, vars, batch, sparse);
          acc.lossSum += loss * batch.size;
          acc.correct += correct;
          acc.seen += batch.size;
          acc.trainSeconds += (Date.now() - t0) / 1000;
          globalStep++;
          lastBatch = b + 1;
          progress.batch(b + 1, acc.seen / Math.max(acc.trainSeconds, 1e-9), acc.lossSum / acc.seen);
          // Let a pending SIGINT reach its handler between batches.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (job.signal?.aborted) {
            progress.stop();
            const name = LAST;
            await saveState(name, {
              epoch: epoch - 1,
              step: b + 1,
              globalStep,
              rng: { ...epochRng, dropout: noise.rng.getState() as RngState },
              metrics: {},
              trainer: { ...book, partial: acc, layerCalls: layerCalls(model) },
            });
            markCheckpoint(job.runDir, 'latest', name);
            const hint = job.resumeHint ?? `piano-lstm train ${path.join(job.runDir, 'config.yaml')} --resume ${job.runDir}`;
            this.log.info(`interrupted in epoch ${epoch} after batch ${b + 1}/${batches}; saved checkpoints/${name}`);
            throw new InterruptedError(`interrupted; resume with: ${hint}`);
          }
          if (o.maxSteps !== undefined && globalStep >= o.maxSteps) {
            stoppedAtMaxSteps = true;
            break;
          }
        }
        const m: EpochMetrics = {
          epoch,
          loss: acc.lossSum / Math.max(acc.seen, 1),
          accuracy: acc.correct / Math.max(acc.seen, 1),
          samples_per_s: acc.seen / Math.max(acc.trainSeconds, 1e-9),
          seconds: 0,
          lr: (optimizer as unknown as { learningRate: number }).learningRate,
        };
        if (valWindows) Object.assign(m, this.evaluate(model, encoder, valWindows, sparse));
        m.seconds = Number(((Date.now() - epochStart) / 1000).toFixed(3));
        const ordered: EpochMetrics = { epoch: m.epoch, loss: m.loss, ...(m.val_loss !== undefined ? { val_loss: m.val_loss } : {}), accuracy: m.accuracy, ...(m.val_accuracy !== undefined ? { val_accuracy: m.val_accuracy } : {}), samples_per_s: round(m.samples_per_s, 2), seconds: m.seconds, lr: m.lr };
        metricsHistory.push(ordered);
        fs.appendFileSync(path.join(job.runDir, 'metrics.jsonl'), `${JSON.stringify(ordered)}\n`);
        progress.endEpoch(epochLine(ordered, o.epochs, lastBatch < batches ? `${lastBatch}/${batches} batches` : undefined));

        const state = (): TrainingState => ({
          epoch,
          step: 0,
          globalStep,
          rng: { shuffle: shuffleRng.getState() as RngState, augment: augmentRng.getState() as RngState, dropout: noise.rng.getState() as RngState },
          metrics: ordered as unknown as Record<string, number>,
          trainer: { ...book, layerCalls: layerCalls(model) },
        });
        // Keras ModelCheckpoint: strictly better than the best so far, no min_delta.
        const current = ordered[o.checkpoint.monitor as Monitor];
        const improved = current !== undefined && Number.isFinite(current) && (book.best === undefined || (ckMode === 'min' ? current < book.best : current > book.best));
        let written: string | undefined;
        if (improved) {
          book.best = current;
        }
        if (es) {
          const v = ordered[es.monitor];
          if (v !== undefined && (book.esBest === undefined || (esMode === 'min' ? v + es.minDelta < book.esBest : v - es.minDelta > book.esBest))) {
            book.esBest = v;
            book.wait = 0;
          } else {
            book.wait++;
            // Keras: stop once `patience` epochs in a row brought no improvement (patience 0: the first).
            if (book.wait >= es.patience) stoppedEarly = true;
          }
        }
        if (!o.checkpoint.saveBestOnly || improved) {
          written = formatTemplate(o.checkpoint.filename, ordered as unknown as Record<string, number>);
          if (improved) book.bestName = written;
          book.kept = [...book.kept.filter((k) => k !== written), written];
          await saveState(written, state());
          if (improved) markCheckpoint(job.runDir, 'best', written);
          markCheckpoint(job.runDir, 'latest', written);
          this.prune(job.runDir, o.checkpoint.keepLast, book);
          fs.rmSync(path.join(job.runDir, CHECKPOINTS_DIR, LAST), { recursive: true, force: true });
        } else if (o.checkpoint.saveLast) {
          await saveState(LAST, state());
          markCheckpoint(job.runDir, 'latest', LAST);
        }
        job.onEpochEnd?.(ordered, model);
        if (stoppedEarly) {
          this.log.info(`early stopping: ${es!.monitor} has not improved by more than ${es!.minDelta} for ${book.wait} epoch(s)`);
          break;
        }
        if (stoppedAtMaxSteps) {
          this.log.info(`stopped after maxSteps ${o.maxSteps} batches`);
          break;
        }
      }
    } finally {
      progress.stop();
      await parallel?.dispose();
    }
    if (optimizer !== model.optimizer) optimizer.dispose();
    return { model, metrics: metricsHistory, best: book.bestName, stoppedEarly, stoppedAtMaxSteps, trainPieces: trainPieces.length, validationPieces: valPieces.length };
  }

  /**
   * The model a resumed run continues with: built by the same builder as a fresh run (so every layer
   * is the same implementation, with the same kernels registered), carrying the checkpoint's weights.
   * Falls back to the deserialised model when the architecture no longer matches the config.
   */
  private async rebuild(job: TrainJob, encoder: TokenEncoder, saved: tf.LayersModel): Promise<tf.LayersModel> {
    const fresh = await job.modelBuilder.build(this.modelSpec(encoder));
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

  private modelSpec(encoder: TokenEncoder): ModelSpec {
    return {
      vocabSize: encoder.vocabSize,
      sequenceLength: encoder.sequenceLength,
      inputKind: encoder.inputKind,
      targetKind: encoder.targetKind,
      ...(encoder.embeddingDim !== undefined ? { embeddingDim: encoder.embeddingDim } : {}),
      ...this.headsSpec(encoder),
    };
  }

  /** The multi-head network needs each head's size (and embedding width) to build its inputs and softmaxes. */
  private headsSpec(encoder: TokenEncoder): Pick<ModelSpec, 'heads'> {
    const layout = encoder.multiHead;
    if (!layout) return {};
    this.heads = layout.heads;
    return { heads: layout.heads.map((h) => ({ name: h.name, size: h.size, ...(h.dim !== undefined ? { dim: h.dim } : {}) })) };
  }

  /**
   * On resume the checkpoint's optimizer state wins, unless the config now asks for something else:
   * a new learning rate is applied to the restored optimizer, a different optimizer starts fresh (said aloud).
   */
  private reconcileOptimizer(restored: tf.Optimizer | null | undefined, model: tf.LayersModel): tf.Optimizer {
    if (!restored) return this.makeOptimizer(model);
    const before = describeOptimizer(restored);
    const { optimizer: wanted, learningRate } = this.options;
    if (wanted !== undefined && wanted !== before.name) {
      this.log.warn(`optimizer changed from ${before.name} to ${wanted} since the checkpoint: ${wanted} starts with fresh state`);
      restored.dispose();
      return this.makeOptimizer(model);
    }
    if (learningRate !== undefined && learningRate !== before.learningRate) {
      (restored as unknown as { learningRate: number }).learningRate = learningRate;
      this.log.info(`learning rate changed from ${before.learningRate} to ${learningRate} since the checkpoint`);
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

  private step(model: tf.LayersModel, optimizer: tf.Optimizer, vars: tf.Variable[], batch: ReturnType<TokenEncoder['batch']>, sparse: boolean): { loss: number; correct: number } {
    const x = tf.tensor(batch.inputs.data, batch.inputs.shape, batch.inputs.dtype);
    const y = tf.tensor(batch.targets.data, batch.targets.shape, batch.targets.dtype);
    let probs: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      probs = tf.keep(p);
      return crossEntropy(p, y, sparse);
    }, vars);
    const clipped = clipGradients(grads, this.options.clipNorm, this.options.clipValue);
    optimizer.applyGradients(clipped);
    const correct = countCorrect(probs!, y, sparse, this.heads);
    const loss = value.dataSync()[0];
    tf.dispose([x, y, value, probs!, grads, clipped]);
    return { loss, correct };
  }

  /**
   * Worker threads replicating `model` on this process's backend (wasm unless it is cpu). The
   * optimizer stays here: workers only return gradients, so the trainer's optimizer (options,
   * resume, checkpointed state) is the one that steps, exactly as with one worker.
   */
  private async startWorkers(model: tf.LayersModel): Promise<DataParallelGradients> {
    const native = model.layers.some((l) => l instanceof FusedLSTM && l.engineName === 'native');
    if (native) {
      this.log.warn(`trainer.options.workers ${this.options.workers}: the workers run the LSTMs on the wasm fused engine, not native (which already uses both cores and is faster); set workers: 1 to keep native`);
    }
    const backend = tf.getBackend() === 'cpu' ? 'cpu' : 'wasm';
    const dp = await DataParallelGradients.create(model, { workers: this.options.workers, backend, loss: 'clippedCategoricalCrossentropy' });
    this.log.info(`data-parallel training: ${dp.workers} workers on ${backend}`);
    return dp;
  }

  /** One step over the workers: same loss, gradient clipping, optimizer and dropout stream as `step`. */
  private async parallelStep(
    dp: DataParallelGradients,
    model: tf.LayersModel,
    optimizer: tf.Optimizer,
    noise: DropoutNoise,
    batch: ReturnType<TokenEncoder['batch']>,
    sparse: boolean,
  ): Promise<{ loss: number; correct: number }> {
    const x = tf.tensor(batch.inputs.data, batch.inputs.shape, batch.inputs.dtype);
    const y = tf.tensor(batch.targets.data, batch.targets.shape, batch.targets.dtype);
    const outShape = model.outputs[0].shape;
    const yDense = sparse ? tf.tidy(() => tf.oneHot(y.toInt().flatten(), outShape[outShape.length - 1]!).toFloat()) : y;
    // Masks come from the run's dropout stream (saved in checkpoints) and the layers' call counters.
    const stepNoise = { seed: noise.nextSeed(), layerCalls: layerCalls(model) };
    const { loss, grads, outputs } = await dp.gradients(x, yDense, true, { noise: stepNoise, returnOutputs: true });
    for (const l of model.layers) {
      const layer = l as unknown as { calls?: unknown };
      if (typeof layer.calls === 'number') layer.calls++;
    }
    const clipped = clipGradients(grads, this.options.clipNorm, this.options.clipValue);
    optimizer.applyGradients(clipped);
    const correct = countCorrect(outputs!, y, sparse, this.heads);
    tf.dispose([x, y, yDense, outputs!, Object.values(grads), Object.values(clipped)]);
    return { loss, correct };
  }

  private evaluate(model: tf.LayersModel, encoder: TokenEncoder, windows: IdWindowSet, sparse: boolean): { val_loss: number; val_accuracy: number } {
    let lossSum = 0;
    let correct = 0;
    const bs = this.options.batchSize;
    for (let start = 0; start < windows.count; start += bs) {
      const idx = Array.from({ length: Math.min(bs, windows.count - start) }, (_, i) => start + i);
      const batch = encoder.batch(windows, idx);
      const x = tf.tensor(batch.inputs.data, batch.inputs.shape, batch.inputs.dtype);
      const y = tf.tensor(batch.targets.data, batch.targets.shape, batch.targets.dtype);
      const p = model.apply(x, { training: false }) as tf.Tensor;
      const l = crossEntropy(p, y, sparse);
      lossSum += l.dataSync()[0] * batch.size;
      correct += countCorrect(p, y, sparse, this.heads);
      tf.dispose([x, y, p, l]);
    }
    return { val_loss: lossSum / windows.count, val_accuracy: correct / windows.count };
  }

  /** Drops template checkpoints beyond the newest `keep` (never the best). */
  private prune(runDir: string, keep: number, book: Bookkeeping): void {
    if (keep <= 0) return;
    while (book.kept.length > keep) {
      const idx = book.kept.findIndex((k) => k !== book.bestName);
      if (idx < 0) break;
      const [old] = book.kept.splice(idx, 1);
      fs.rmSync(path.join(runDir, CHECKPOINTS_DIR, old), { recursive: true, force: true });
    }
  }

  /** On resume, metrics of epochs after the checkpoint are redone, so their old lines go. */
  private truncateMetrics(runDir: string, epoch: number): EpochMetrics[] {
    const file = path.join(runDir, 'metrics.jsonl');
    if (!fs.existsSync(file)) return [];
    const kept = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as EpochMetrics)
      .filter((m) => m.epoch <= epoch);
    writeFileAtomic(file, kept.map((m) => `${JSON.stringify(m)}\n`).join(''), { force: true });
    return kept;
  }
}

function countCorrect(probs: tf.Tensor, y: tf.Tensor, sparse: boolean, heads?: readonly { offset: number; size: number }[]): number {
  return tf.tidy(() => {
    if (heads) {
      const right = heads.map((h) => tf.equal(tf.argMax(probs.slice([0, h.offset], [-1, h.size]), -1), tf.argMax(y.slice([0, h.offset], [-1, h.size]), -1)));
      return tf.sum(right.reduce((a, b) => tf.logicalAnd(a, b)).toInt()).dataSync()[0];
    }
    const predicted = tf.argMax(probs, -1);
    const truth = sparse ? y.toInt().flatten() : tf.argMax(y, -1);
    return tf.sum(tf.equal(predicted, truth).toInt()).dataSync()[0];
  });
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function epochLine(m: EpochMetrics, epochs: number, partial?: string): string {
  const parts = [`epoch ${m.epoch}/${epochs}${partial ? ` (${partial})` : ''}`, `loss ${m.loss.toFixed(4)}`, `accuracy ${m.accuracy.toFixed(4)}`];
  if (m.val_loss !== undefined) parts.push(`val_loss ${m.val_loss.toFixed(4)}`, `val_accuracy ${m.val_accuracy!.toFixed(4)}`);
  parts.push(`${m.samples_per_s.toFixed(1)} samples/s`, `${m.seconds.toFixed(1)}s`);
  return parts.join(' - ');
}
