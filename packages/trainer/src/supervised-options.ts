import { ConfigError, OptionReader } from '@piano-lstm/core';
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
  /** Each training piece is transposed by a random interval in [lo, hi] semitones every epoch. */
  augment?: { transpose: [number, number] };
  /** Stop after this many batches in total (smoke tests, benchmarks). */
  maxSteps?: number;
  /** `auto`: a live bar on a TTY, one line per epoch otherwise. */
  progress: 'auto' | 'bar' | 'lines';
  /** Data-parallel worker threads, each computing the gradient of its share of every batch (1: in-process). */
  workers: number;
}

const MODES = ['min', 'max', 'auto'] as const;

export function parseSupervisedOptions(raw: unknown, path: string): SupervisedOptions {
  const r = new OptionReader(raw, path);
  const o: SupervisedOptions = {
    epochs: r.int('epochs', { default: 200, min: 1, max: 1_000_000 }),
    batchSize: r.int('batchSize', { default: 64, min: 1, max: 65_536 }),
    shuffle: r.boolean('shuffle', { default: true }),
    optimizer: r.string('optimizer', { choices: OPTIMIZERS }) as OptimizerName | undefined,
    learningRate: r.number('learningRate', { min: 0, minExclusive: true, max: 10 }),
    clipNorm: r.number('clipNorm', { min: 0, minExclusive: true }),
    clipValue: r.number('clipValue', { min: 0, minExclusive: true }),
    validation: { pieces: 0 },
    checkpoint: undefined as unknown as CheckpointOptions,
    maxSteps: r.int('maxSteps', { min: 1 }),
    progress: r.string('progress', { default: 'auto', choices: ['auto', 'bar', 'lines'] }) as SupervisedOptions['progress'],
    workers: r.int('workers', { default: 1, min: 1, max: 2 }),
  };
  const v = r.object('validation');
  if (v) {
    o.validation = { pieces: v.number('pieces', { default: 0, min: 0, max: 1, maxExclusive: true }) };
    v.done();
  }
  const hasVal = o.validation.pieces > 0;
  const c = r.object('checkpoint') ?? new OptionReader({}, `${path}.checkpoint`);
  o.checkpoint = {
    monitor: c.string('monitor', { default: 'loss', choices: MONITORS }) as Monitor,
    mode: c.string('mode', { default: 'auto', choices: MODES }) as CheckpointOptions['mode'],
    saveBestOnly: c.boolean('saveBestOnly', { default: true }),
    filename: c.string('filename', { default: 'weights-improvement-{epoch:02d}-{loss:.4f}-bigger' }),
    keepLast: c.int('keepLast', { default: 0, min: 0 }),
    saveLast: c.boolean('saveLast', { default: true }),
  };
  c.done();
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
  const e = r.object('earlyStopping');
  if (e) {
    o.earlyStopping = {
      monitor: e.string('monitor', { default: hasVal ? 'val_loss' : 'loss', choices: MONITORS }) as Monitor,
      mode: e.string('mode', { default: 'auto', choices: MODES }) as EarlyStoppingOptions['mode'],
      patience: e.int('patience', { default: 0, min: 0 }),
      minDelta: e.number('minDelta', { default: 0, min: 0 }),
    };
    e.done();
    needsValidation(o.earlyStopping.monitor, hasVal, `${path}.earlyStopping.monitor`);
  }
  const a = r.object('augment');
  if (a) {
    const t = a.numberArray('transpose', { length: 2, integer: true, min: -24, max: 24 });
    a.done();
    if (t) {
      if (t[0] > t[1]) throw new ConfigError(`${path}.augment.transpose`, `[${t[0]}, ${t[1]}]: the lower bound must not exceed the upper`);
      o.augment = { transpose: [t[0], t[1]] };
    }
  }
  r.done();
  for (const k of ['optimizer', 'learningRate', 'clipNorm', 'clipValue', 'maxSteps'] as const) if (o[k] === undefined) delete o[k];
  return o;
}

function needsValidation(name: string, hasVal: boolean, path: string): void {
  if (name.startsWith('val_') && !hasVal) {
    throw new ConfigError(path, `'${name}' needs a validation split; add trainer.options.validation: { pieces: 0.1 }`);
  }
}

/** `auto` mode as Keras resolves it. */
export function resolveMode(monitor: Monitor, mode: 'min' | 'max' | 'auto'): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return monitor.endsWith('accuracy') ? 'max' : 'min';
}
