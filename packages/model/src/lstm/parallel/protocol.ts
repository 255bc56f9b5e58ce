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
}

export interface StepMessage {
  type: 'step';
  x: ArrayMessage;
  y: ArrayMessage;
  training: boolean;
}

export interface StepReply {
  type: 'step';
  /** Mean loss over the shard. */
  loss: number;
  /** Gradient of the shard's mean loss, one per trainable weight in model.trainableWeights order. */
  grads: Float32Array[];
}

export type WorkerReply = StepReply | { type: 'ready'; backend: string } | { type: 'error'; message: string };

const LOSSES: Record<string, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor> = {
  // tfjs-layers' metric functions are its loss functions (same clipping, same reduction per sample).
  categoricalCrossentropy: (t, p) => tf.metrics.categoricalCrossentropy(t, p),
  binaryCrossentropy: (t, p) => tf.metrics.binaryCrossentropy(t, p),
  meanSquaredError: (t, p) => tf.metrics.meanSquaredError(t, p),
};

/** Per-sample loss for a compile-time loss name; unknown names list the known ones. */
export function lossFunction(name: string): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const key = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const f = LOSSES[key];
  if (!f) throw new Error(`data-parallel training: loss '${name}' is not supported (supported: ${Object.keys(LOSSES).join(', ')})`);
  return f;
}
