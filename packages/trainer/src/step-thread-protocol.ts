import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch, TensorData } from '@piano-lstm/core';
import type { OptimizerSpec, RngState } from '@piano-lstm/model';
import type { HeadLayout } from './step-math';

/** Messages between ThreadedStep (the trainer's thread) and its step worker. */

/** A named tensor's values (optimizer weights: their names are part of the checkpoint). */
export interface NamedArray extends TensorData {
  name: string;
}

/** The model's random sources (see randomState): its dropout stream and the fused LSTM layers' call counters. */
export interface ThreadRandom {
  dropout: RngState;
  layerCalls: (number | null)[];
}

/** Everything of a training run's model and optimizer that the worker must hold to step exactly as the trainer would. */
export interface ThreadState extends ThreadRandom {
  /** Every weight of the model, in `model.weights` order (trainable and not). */
  weights: TensorData[];
  /** `optimizer.getWeights()`: the iteration count, then the slots; named after the trainer's variables. */
  optimizer: NamedArray[];
}

export interface ThreadInit extends ThreadState {
  type: 'init';
  /** tfjs backend name: `wasm` or `cpu`. */
  backend: 'wasm' | 'cpu';
  /** model.toJSON() of the model to replicate. */
  topology: string;
  /** Layer name → the LSTM engine it runs on (`native`, `fused`, `layers`). */
  engines: Record<string, string>;
  /** The native engine's thread count in the trainer's process (set again: the worker must not choose its own). */
  nativeThreads?: number;
  optimizerSpec: OptimizerSpec;
  /** The trainer's trainable variable names, in `model.trainableWeights` order. */
  variableNames: string[];
  sparse: boolean;
  heads?: HeadLayout;
  clipNorm?: number;
  clipValue?: number;
}

export interface ThreadStep {
  type: 'step';
  batch: EncodedBatch;
  /** The trainer's learning rate now (ReduceLROnPlateau changes it between epochs). */
  learningRate: number;
  /**
   * The trainer's random state, when it moved since the worker last had it: validation calls the
   * trainer's model, and each call of a fused LSTM layer advances its counter.
   */
  random?: ThreadRandom;
}

export type ThreadRequest = ThreadInit | ThreadStep | { type: 'state' };

export type ThreadReply =
  | { type: 'ready' }
  | { type: 'step'; loss: number; correct: number }
  | ({ type: 'state' } & ThreadState)
  | { type: 'error'; message: string };

/** A tensor's values as a message part (a copy: safe to transfer). */
export function arrayOf(t: tf.Tensor): TensorData {
  return { data: (t.dataSync() as Float32Array | Int32Array).slice(), shape: t.shape, dtype: t.dtype as 'float32' | 'int32' };
}

export function tensorOf(a: TensorData): tf.Tensor {
  return tf.tensor(a.data, a.shape, a.dtype);
}

/** `optimizer.getWeights()` as message parts (`rename`: each slot's name as the receiver knows it). */
export async function optimizerArrays(optimizer: tf.Optimizer, rename: (name: string) => string = (n) => n): Promise<NamedArray[]> {
  const named = await optimizer.getWeights();
  const out = named.map((w) => ({ name: rename(w.name), ...arrayOf(w.tensor) }));
  // getWeights makes the iteration count a fresh scalar; the rest are the slot variables themselves.
  named[0]?.tensor.dispose();
  return out;
}
