import { ConfigError, defineOptions, optionsParser, type OptionsOf } from '@piano-lstm/core';
import { OPTIMIZERS, type OptimizerName } from '@piano-lstm/model';
import { formatTemplate, templateFields } from './filename-template';

export const MONITORS = ['loss', 'val_loss', 'accuracy', 'val_accuracy'] as const;
export type Monitor = (typeof MONITORS)[number];

export interface CheckpointOptions {
  monitor: Monitor;
  /** `auto`: max for accuracies, min otherwise (as Keras). */
  mode: 'min' | 'max' | 'auto';
  saveBestOnly: boolean;
  filename: string;
  /** Keep only the newest N template checkpoints (the best one is always kept); 0 keeps all. */
  keepLast: number;
  /** Also keep `checkpoints/last`, rewritten every epoch, so --resume loses nothing. */
  saveLast: boolean;
}

export interface EarlyStoppingOptions {
  monitor: Monitor;
  mode: 'min' | 'max' | 'auto';
  patience: number;
  minDelta: number;
}

export interface ReduceLrOptions extends EarlyStoppingOptions {
  factor: number;
  minLr: number;
}

export interface SupervisedOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  /** Absent: the optimizer the model was compiled with (the model's own option). */
  optimizer?: OptimizerName;
  learningRate?: number;
  /** Clip each gradient tensor to this L2 norm (Keras `clipnorm`). */
  clipNorm?: number;
  /** Clip each gradient element to ±clipValue (Keras `clipvalue`). */
  clipValue?: number;
  checkpoint: CheckpointOptions;
  /** Fraction of pieces held out for validation (whole pieces, so no window leaks). */
  validation: { pieces: number };
  earlyStopping?: EarlyStoppingOptions;
  /** Keras ReduceLROnPlateau: multiply the learning rate by `factor` after `patience` epochs without improvement. */
  reduceLrOnPlateau?: ReduceLrOptions;
  /** Each training piece is transposed by a random interval in [lo, hi] semitones every epoch. */
  augment?: { transpose: [number, number] };
  /** Stop after this many batches in total (smoke tests, benchmarks). */
  maxSteps?: number;
  /** Stop after this many minutes of training in this call (a time budget). */
  maxMinutes?: number;
  /** `auto`: a live bar on a TTY, one line per epoch otherwise. */
  progress: 'auto' | 'bar' | 'lines';
  /** Without the live bar: also one line every this many batches (running loss, samples/s). */
  logEvery?: number;
  /** Data-parallel worker threads, each computing the gradient of its share of every batch (1: in-process). */
  workers: number;
  /** Where a step runs: `auto` = a worker thread on the wasm and cpu backends, else this thread. */
  stepThread: 'auto' | 'worker' | 'main';
}

const MODES = ['min', 'max', 'auto'] as const;

/** What earlyStopping and reduceLrOnPlateau watch, declared once for both. */
const MONITOR_OPTIONS = {
  monitor: { type: 'string', choices: MONITORS, defaultText: 'val_loss with a split, else loss', description: 'the value that must improve' },
  mode: { type: 'string', default: 'auto', choices: MODES, description: 'auto: max for accuracies, min for losses' },
  minDelta: { type: 'number', default: 0, min: 0, description: 'an improvement must exceed this' },
} as const;

export const SUPERVISED_OPTIONS = defineOptions({
  epochs: { type: 'int', default: 200, min: 1, max: 1_000_000, description: 'epochs in all (a resumed run continues up to this number)' },
  batchSize: { type: 'int', default: 64, min: 1, max: 65_536, description: 'windows per gradient step; also the validation batch' },
  shuffle: { type: 'boolean', default: true, description: 'reshuffle the window order every epoch, from the run seed' },
  optimizer: { type: 'string', choices: OPTIMIZERS, defaultText: "the model's", description: 'replaces model.options.optimizer' },
  learningRate: { type: 'number', min: 0, minExclusive: true, max: 10, defaultText: "the model's", description: 'replaces model.options.learningRate (defaults: rmsprop/adam 0.001, sgd 0.01)' },
  clipNorm: { type: 'number', min: 0, minExclusive: true, defaultText: 'off', description: 'scale each gradient tensor to at most this L2 norm (Keras clipnorm)' },
  clipValue: { type: 'number', min: 0, minExclusive: true, defaultText: 'off', description: 'clip each gradient element to ±value (Keras clipvalue); with both, norm first' },
  maxSteps: { type: 'int', min: 1, defaultText: 'off', description: 'stop after this many batches since the run started (smoke tests, benchmarks)' },
  maxMinutes: { type: 'number', min: 0, minExclusive: true, defaultText: 'off', description: 'time budget: stop after this many minutes of training (cut-short epoch still validates and checkpoints; a resume gets a fresh budget)' },
  progress: { type: 'string', default: 'auto', choices: ['auto', 'bar', 'lines'], description: 'auto: a live bar when stderr is a TTY and CI is unset, else one line per epoch' },
  logEvery: {
    type: 'int',
    min: 1,
    defaultText: 'off',
    description: "without the live bar (progress: lines, or no TTY): also a line every this many batches with the epoch's running loss and samples/s (logs of long runs, loss curves)",
  },
  workers: { type: 'int', default: 1, min: 1, max: 2, description: 'data-parallel worker threads, each computing the gradient of half of every batch' },
  stepThread: {
    type: 'string',
    default: 'auto',
    choices: ['auto', 'worker', 'main'],
    description:
      "worker: each step runs on a worker thread holding the model and optimizer (the event loop stays free: Ctrl-C is answered at once and saves when the step in flight ends; same numbers as main); main: on the trainer's thread; auto: worker on the wasm and cpu backends, main on node (tfjs-node)",
  },
  validation: {
    type: 'object',
    description: 'a held-out split of whole pieces (no window leaks)',
    options: { pieces: { type: 'number', default: 0, min: 0, max: 1, maxExclusive: true, description: 'fraction of whole pieces held out (0: off)' } },
  },
  checkpoint: {
    type: 'object',
    description: 'when and under which name checkpoints are written (as Keras ModelCheckpoint)',
    options: {
      monitor: { type: 'string', default: 'loss', choices: MONITORS, description: 'what "best" means' },
      mode: { type: 'string', default: 'auto', choices: MODES, description: 'auto: max for accuracies, min for losses (as Keras)' },
      saveBestOnly: { type: 'boolean', default: true, description: 'write a named checkpoint only when the monitored value improves' },
      filename: { type: 'string', default: 'weights-improvement-{epoch:02d}-{loss:.4f}-bigger', description: 'folder name under checkpoints/ (a Keras-style template)' },
      keepLast: { type: 'int', default: 0, min: 0, description: 'keep only the newest N named checkpoints (0: all); the best is never deleted' },
      saveLast: { type: 'boolean', default: true, description: 'write checkpoints/last in epochs that write no named checkpoint, so resume loses nothing' },
    },
  },
  earlyStopping: {
    type: 'object',
    optional: true,
    description: 'present = on (earlyStopping: {} stops at the first epoch without improvement)',
    options: {
      ...MONITOR_OPTIONS,
      patience: { type: 'int', default: 0, min: 0, description: 'stop after this many epochs in a row without improvement (0: the first such epoch)' },
    },
  },
  reduceLrOnPlateau: {
    type: 'object',
    optional: true,
    description: 'present = on (as Keras ReduceLROnPlateau): lower the learning rate when the monitored value stalls',
    options: {
      ...MONITOR_OPTIONS,
      factor: { type: 'number', default: 0.5, min: 0, max: 1, minExclusive: true, maxExclusive: true, description: 'new rate = rate × factor' },
      patience: { type: 'int', default: 0, min: 0, description: 'lower after this many epochs in a row without improvement (0 and 1: the first such epoch, as Keras)' },
      minLr: { type: 'number', default: 0, min: 0, description: 'the rate never goes below this' },
    },
  },
  augment: {
    type: 'object',
    optional: true,
    description: 'data augmentation',
    options: {
      transpose: { type: 'int[]', length: 2, min: -24, max: 24, defaultText: 'off', description: 'transpose each training piece by a random interval in [lo, hi] (inclusive, lo ≤ hi) every epoch' },
    },
  },
});

export const parseSupervisedOptions = optionsParser(SUPERVISED_OPTIONS, checkSupervisedOptions);

/** The rules that join several options: `val_*` needs a split, the filename template, augment bounds. */
function checkSupervisedOptions(read: OptionsOf<typeof SUPERVISED_OPTIONS>, path: string): SupervisedOptions {
  const { earlyStopping, reduceLrOnPlateau, augment, ...rest } = read;
  const o: SupervisedOptions = rest;
  const hasVal = o.validation.pieces > 0;
  needsValidation(o.checkpoint.monitor, hasVal, `${path}.checkpoint.monitor`);
  for (const f of templateFields(o.checkpoint.filename)) {
    if (!['epoch', 'loss', 'val_loss', 'accuracy', 'val_accuracy'].includes(f)) {
      throw new ConfigError(`${path}.checkpoint.filename`, `unknown field '{${f}}' (use epoch, loss, accuracy, val_loss, val_accuracy)`);
    }
    needsValidation(f, hasVal, `${path}.checkpoint.filename`);
  }
  formatTemplate(o.checkpoint.filename, { epoch: 1, loss: 1, accuracy: 1, val_loss: 1, val_accuracy: 1 }, `${path}.checkpoint.filename`);
  if (o.checkpoint.filename === 'last' && o.checkpoint.saveLast) {
    throw new ConfigError(`${path}.checkpoint.filename`, `'last' is the name of the resume checkpoint; choose another filename or set saveLast: false`);
  }
  if (earlyStopping) o.earlyStopping = withMonitor(earlyStopping, hasVal, `${path}.earlyStopping.monitor`);
  if (reduceLrOnPlateau) o.reduceLrOnPlateau = withMonitor(reduceLrOnPlateau, hasVal, `${path}.reduceLrOnPlateau.monitor`);
  const t = augment?.transpose;
  if (t) {
    if (t[0] > t[1]) throw new ConfigError(`${path}.augment.transpose`, `[${t[0]}, ${t[1]}]: the lower bound must not exceed the upper`);
    o.augment = { transpose: [t[0], t[1]] };
  }
  return o;
}

/** A watcher's options with its monitor resolved (val_loss with a split, else loss) and checked. */
function withMonitor<T extends { monitor?: Monitor }>(opts: T, hasVal: boolean, path: string): T & { monitor: Monitor } {
  const monitor = opts.monitor ?? (hasVal ? 'val_loss' : 'loss');
  needsValidation(monitor, hasVal, path);
  return { ...opts, monitor };
}

function needsValidation(name: string, hasVal: boolean, path: string): void {
  if (name.startsWith('val_') && !hasVal) {
    throw new ConfigError(path, `'${name}' needs a validation split; add trainer.options.validation: { pieces: 0.1 }`);
  }
}

/** `auto` mode as Keras resolves it. */
/** Whether `value` beats `best` by more than `minDelta` in `mode`'s direction (no best yet: it does). */
export function improves(value: number, best: number | undefined, mode: 'min' | 'max', minDelta: number): boolean {
  return best === undefined || (mode === 'min' ? value + minDelta < best : value - minDelta > best);
}

export function resolveMode(monitor: Monitor, mode: 'min' | 'max' | 'auto'): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return monitor.endsWith('accuracy') ? 'max' : 'min';
}
