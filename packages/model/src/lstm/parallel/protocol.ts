import * as tf from '@tensorflow/tfjs';

/** Messages between DataParallelGradients and its workers. */
export interface ArrayMessage {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface InitMessage {
  type: 'init';
  /** model.toJSON() of the model to replicate. */
  topology: string;
  /** A loss name as given to model.compile (e.g. 'categoricalCrossentropy'). */
  loss: string;
  backend: 'wasm' | 'cpu';
  /**
   * Every weight, in model.weights order, packed back to back (float32). The coordinator rewrites
   * it before each step and does not touch it until every worker has replied.
   */
  weights: SharedArrayBuffer;
  weightShapes: number[][];
  /** This worker's position (0-based); makes its dropout masks differ from the other workers'. */
  index?: number;
  /** How many workers share each batch. */
  workers?: number;
}

/**
 * Where a step's dropout masks come from, so a data-parallel run is as reproducible (and as
 * resumable) as a single-process one: a seed drawn by the coordinator from the run's dropout
 * stream, and the coordinator's FusedLSTM call counters (one per layer, null for other layers).
 */
export interface StepNoise {
  seed: number;
  layerCalls: (number | null)[];
}

export interface StepMessage {
  type: 'step';
  x: ArrayMessage;
  y: ArrayMessage;
  training: boolean;
  noise?: StepNoise;
  /** Also send back the model's outputs for the shard (for accuracy). */
  returnOutputs?: boolean;
}

export interface StepReply {
  type: 'step';
  /** Mean loss over the shard. */
  loss: number;
  /** Gradient of the shard's mean loss, one per trainable weight in model.trainableWeights order. */
  grads: Float32Array[];
  /** The shard's model outputs, row-major, when asked for. */
  outputs?: Float32Array;
  /**
   * Non-trainable weights after the step (BatchNormalization's moving statistics, which a
   * training-mode call updates), in model.nonTrainableWeights order; absent when there are none.
   */
  nonTrainable?: Float32Array[];
}

export type WorkerReply = StepReply | { type: 'ready'; backend: string } | { type: 'error'; message: string };

const LOSSES: Record<string, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor> = {
  // tfjs-layers' metric functions are its loss functions (same clipping, same reduction per sample).
  categoricalCrossentropy: (t, p) => tf.metrics.categoricalCrossentropy(t, p),
  binaryCrossentropy: (t, p) => tf.metrics.binaryCrossentropy(t, p),
  meanSquaredError: (t, p) => tf.metrics.meanSquaredError(t, p),
  // The trainer's loss: clipped, not renormalised, so several softmaxes side by side (the
  // multi-head network) give the sum of their cross-entropies.
  clippedCategoricalCrossentropy: (t, p) => tf.neg(tf.sum(tf.mul(t, tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))), -1)),
};

/** Per-sample loss for a compile-time loss name; unknown names list the known ones. */
export function lossFunction(name: string): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const key = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const f = LOSSES[key];
  if (!f) throw new Error(`data-parallel training: loss '${name}' is not supported (supported: ${Object.keys(LOSSES).join(', ')})`);
  return f;
}
