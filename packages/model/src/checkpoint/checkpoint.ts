import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError, RUN_FILES, RunFolder, Rng, silentLogger, writeDirAtomic, type Encoder, type Piece, type StageContext, type StageRegistry } from '@piano-lstm/core';
import { createOptimizer, describeOptimizer, type OptimizerSpec } from '../builders/optimizers';
import type { EncoderSpec, TokenEncoder } from '../encoders/token-encoder';
import { modelRegistry } from '../model-module';
import { planLstmEngines, recordingLstmEngines, type LstmKind } from '../lstm';
import { fileIOHandler } from './file-io-handler';

/** A checkpoint keeps its vocabulary in the same file, and format, as its run folder. */
const VOCAB_FILE = RUN_FILES.vocab;

/** Identifies the tokens a model was trained on, so a checkpoint can tell which corpus it belongs to. */
export interface CorpusFingerprint {
  pieces: number;
  tokens: number;
  sha256: string;
}

export function corpusFingerprint(pieces: readonly Piece[]): CorpusFingerprint {
  const h = createHash('sha256');
  let tokens = 0;
  for (const p of pieces) {
    for (const t of p.tokens) h.update(t).update('\n');
    h.update('\u0000');
    tokens += p.tokens.length;
  }
  return { pieces: pieces.length, tokens, sha256: h.digest('hex') };
}

export type RngState = [number, number, number, number];

/** Where training stood when the checkpoint was written; enough to continue exactly. */
export interface TrainingState {
  /** Epochs completed (epochs count from 1, as in checkpoint names). */
  epoch: number;
  /** Batches already done in epoch `epoch + 1` (non-zero only for an interrupted epoch). */
  step: number;
  /** Batches done since the start of training. */
  globalStep: number;
  /** Named Rng stream states (shuffle, dropout, augmentation…). */
  rng: Record<string, RngState>;
  /** The metrics of the epoch that produced this checkpoint. */
  metrics: Record<string, number>;
  /** Trainer bookkeeping (best monitored value, epochs without improvement, partial sums…). */
  trainer?: Record<string, unknown>;
}

export interface CheckpointContents {
  model: tf.LayersModel;
  encoder: TokenEncoder | EncoderSpec;
  /** The resolved experiment (written as config.json). */
  config: unknown;
  fingerprint: CorpusFingerprint;
  optimizer?: tf.Optimizer;
  state: TrainingState;
  backend?: string;
}

/** Writes one self-contained checkpoint folder atomically (temp folder, then rename). */
export async function saveCheckpoint(dir: string, c: CheckpointContents): Promise<void> {
  const encoderSpec = 'spec' in c.encoder && typeof c.encoder.spec === 'function' ? c.encoder.spec() : (c.encoder as EncoderSpec);
  const optimizerState = c.optimizer ? await encodeOptimizer(c.optimizer) : undefined;
  await writeDirAtomic(dir, async (tmp) => {
    await c.model.save(recordingLstmEngines(fileIOHandler(tmp), c.model), { includeOptimizer: false });
    fs.writeFileSync(path.join(tmp, VOCAB_FILE), JSON.stringify(encoderSpec.vocabulary));
    fs.writeFileSync(path.join(tmp, 'encoder.json'), JSON.stringify(encoderSpec, null, 2));
    fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify(c.config ?? null, null, 2));
    fs.writeFileSync(path.join(tmp, 'fingerprint.json'), JSON.stringify(c.fingerprint, null, 2));
    fs.writeFileSync(path.join(tmp, 'state.json'), JSON.stringify({ ...c.state, backend: c.backend, savedAt: new Date().toISOString() }, null, 2));
    if (optimizerState) {
      fs.writeFileSync(path.join(tmp, 'optimizer.json'), JSON.stringify(optimizerState.meta, null, 2));
      fs.writeFileSync(path.join(tmp, 'optimizer.bin'), optimizerState.data);
    }
  });
}

interface OptimizerMeta {
  optimizer: OptimizerSpec;
  specs: tf.io.WeightsManifestEntry[];
  /** Adam's running β powers: tfjs' setWeights recomputes them with pow(), which differs in the last bits. */
  accBeta?: [number, number];
}

type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

async function encodeOptimizer(opt: tf.Optimizer): Promise<{ meta: OptimizerMeta; data: Buffer }> {
  const named = await opt.getWeights();
  const adam = opt as unknown as AdamInternals;
  const accBeta: [number, number] | undefined = adam.accBeta1 && adam.accBeta2 ? [adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]] : undefined;
  const { data, specs } = await tf.io.encodeWeights(named);
  // getWeights() makes a fresh `iter` scalar each call; the rest are the optimizer's live variables.
  named.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  const buf = Buffer.from(tf.io.CompositeArrayBuffer.join(data));
  return { meta: { optimizer: describeOptimizer(opt), specs, ...(accBeta ? { accBeta } : {}) }, data: buf };
}

/** Checkpoint names of a run, oldest epoch first. */
export function listCheckpoints(runDir: string): { name: string; epoch: number; step: number; mtimeMs: number }[] {
  const run = RunFolder.at(runDir);
  return run
    .checkpointNames()
    .filter((name) => fs.existsSync(path.join(run.checkpointDir(name), 'model.json')))
    .map((name) => {
      const dir = run.checkpointDir(name);
      let epoch = 0;
      let step = 0;
      try {
        const s = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as TrainingState;
        epoch = s.epoch;
        step = s.step;
      } catch {
        /* a checkpoint without state sorts first */
      }
      return { name, epoch, step, mtimeMs: fs.statSync(dir).mtimeMs };
    })
    .sort((a, b) => a.epoch - b.epoch || a.step - b.step || a.mtimeMs - b.mtimeMs);
}

/**
 * Rebuilds the encoder a checkpoint names, the way a config's encoder is built: the registry's
 * factory validates the saved options (filling options added since with their defaults) and creates it.
 */
function encoderFromCheckpoint(dir: string, spec: EncoderSpec, registry: StageRegistry, context: StageContext): Encoder {
  if (!registry.has('Encoder', spec.type)) {
    throw new InputError(`the checkpoint's encoder type '${spec.type}' is not known here; load the plugin that provides it`, { file: dir });
  }
  const factory = registry.get<Encoder>('Encoder', spec.type);
  let options: unknown;
  try {
    options = factory.parseOptions(spec.options, 'encoder.options');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new InputError(`checkpoint ${dir}: encoder.json: ${e.message} (the folder was edited, or written by a version with other options)`, { file: dir, exitCode: 1 });
  }
  const encoder = factory.create(options, context);
  encoder.restore(spec.vocabulary);
  return encoder;
}

export interface LoadedCheckpoint {
  name: string;
  dir: string;
  model: tf.LayersModel;
  encoder: Encoder;
  encoderSpec: EncoderSpec;
  /** The resolved experiment the checkpoint was trained with. */
  config: unknown;
  fingerprint?: CorpusFingerprint;
  state?: TrainingState & { backend?: string };
  /** A fresh optimizer carrying the saved state (undefined when none was saved). */
  restoreOptimizer(): Promise<tf.Optimizer | undefined>;
}

export interface LoadCheckpointOptions {
  /** `latest` instead of `best` when no name is given (what --resume wants). */
  prefer?: 'best' | 'latest';
  /** The Encoder types `encoder.json` may name: the run's registry, plugins included (default: this package's built-in encoders). */
  registry?: StageRegistry;
  /** What the rebuilt encoder is created with (default: seed 0, silent, the working folder). */
  context?: StageContext;
  /**
   * The engine the LSTM layers run on, whatever engine saved them (`auto`: the best one here).
   * Absent: the kind the checkpoint recorded (falling back to `auto` where that engine cannot run
   * here). The weights are the same either way; only the topology's layer class and the engine change.
   */
  lstm?: LstmKind;
}

/**
 * Loads a checkpoint of a run: `name`, else the one `best` names, else the newest. `runDir` may also
 * be a checkpoint folder itself. Checks that the vocabulary matches the model's output size.
 */
export async function loadCheckpoint(runDir: string, name?: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const { dir, name: resolved } = resolveCheckpointDir(runDir, name, options.prefer ?? 'best');
  const encoderSpec = readJson<EncoderSpec>(path.join(dir, 'encoder.json'));
  const vocab = readJson<string[]>(path.join(dir, VOCAB_FILE));
  if (!Array.isArray(vocab) || vocab.length !== encoderSpec.vocabulary?.length || vocab.some((t, i) => t !== encoderSpec.vocabulary[i])) {
    throw new InputError(`checkpoint ${dir}: vocab.json (${Array.isArray(vocab) ? vocab.length : '?'} tokens) differs from the vocabulary in encoder.json (${encoderSpec.vocabulary?.length ?? '?'} tokens); the folder was edited — restore it from the run`, { file: dir });
  }
  const context = options.context ?? { rng: new Rng(0).fork('Encoder'), log: silentLogger, baseDir: process.cwd() };
  const encoder = encoderFromCheckpoint(dir, encoderSpec, options.registry ?? modelRegistry(), context);
  const model = await loadModelWithEngines(dir, options.lstm);
  const outShape = model.outputs[0].shape;
  const outputs = outShape[outShape.length - 1];
  if (outputs !== encoder.vocabSize) {
    model.dispose();
    throw new InputError(
      `checkpoint ${dir}: the model predicts ${outputs} tokens but its vocabulary has ${encoder.vocabSize}; weights and vocabulary come from different runs — use the vocab.json saved with these weights or retrain`,
      { file: dir, exitCode: 1 },
    );
  }
  const inShape = model.inputs[0].shape;
  if (inShape[1] !== null && inShape[1] !== encoder.sequenceLength) {
    model.dispose();
    throw new InputError(`checkpoint ${dir}: the model reads windows of ${inShape[1]} steps but the encoder is set to ${encoder.sequenceLength}`, { file: dir, exitCode: 1 });
  }
  const optimizerFile = path.join(dir, 'optimizer.json');
  return {
    name: resolved,
    dir,
    model,
    encoder,
    encoderSpec,
    config: readJsonIfExists(path.join(dir, 'config.json')),
    fingerprint: readJsonIfExists<CorpusFingerprint>(path.join(dir, 'fingerprint.json')),
    state: readJsonIfExists<TrainingState & { backend?: string }>(path.join(dir, 'state.json')),
    async restoreOptimizer() {
      if (!fs.existsSync(optimizerFile)) return undefined;
      const meta = readJson<OptimizerMeta>(optimizerFile);
      const buf = fs.readFileSync(path.join(dir, 'optimizer.bin'));
      const named = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, meta.specs);
      const opt = createOptimizer(meta.optimizer);
      await opt.setWeights(meta.specs.map((s) => ({ name: s.name, tensor: named[s.name] })));
      tf.dispose(Object.values(named));
      const adam = opt as unknown as AdamInternals;
      if (meta.accBeta && adam.accBeta1 && adam.accBeta2) {
        tf.tidy(() => {
          adam.accBeta1!.assign(tf.scalar(meta.accBeta![0]));
          adam.accBeta2!.assign(tf.scalar(meta.accBeta![1]));
        });
      }
      return opt;
    },
  };
}

/** The saved model, each LSTM layer on the engine the checkpoint (or `lstm`) asks for. */
async function loadModelWithEngines(dir: string, lstm: LstmKind | undefined): Promise<tf.LayersModel> {
  const plan = planLstmEngines(await fileIOHandler(dir).load!(), lstm, dir);
  const model = await tf.loadLayersModel(tf.io.fromMemory(plan.artifacts));
  try {
    plan.attach(model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

function resolveCheckpointDir(runDir: string, name: string | undefined, prefer: 'best' | 'latest'): { dir: string; name: string } {
  if (!fs.existsSync(runDir)) throw new InputError(`run folder ${runDir} does not exist (pass the folder printed as 'run folder: …')`, { file: runDir });
  if (!name && fs.existsSync(path.join(runDir, 'model.json'))) return { dir: runDir, name: path.basename(runDir) };
  const all = listCheckpoints(runDir);
  const run = RunFolder.at(runDir);
  const other = prefer === 'best' ? 'latest' : 'best';
  const pick = name ?? run.readMark(prefer) ?? run.readMark(other) ?? all[all.length - 1]?.name;
  if (!pick) throw new InputError(`run folder ${runDir} has no checkpoints yet (train first: piano-lstm train <config>)`, { file: runDir });
  const dir = run.checkpointDir(pick);
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    const known = all.map((c) => c.name).join(', ') || 'none';
    throw new InputError(`checkpoint '${pick}' not found in ${run.checkpointsDir} (available: ${known})`, { file: dir });
  }
  return { dir, name: pick };
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${file}: ${code ?? (e as Error).message} (the checkpoint is incomplete or damaged)`, { file, exitCode: 1 });
  }
}

function readJsonIfExists<T = unknown>(file: string): T | undefined {
  return fs.existsSync(file) ? readJson<T>(file) : undefined;
}
