import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch, TensorData } from '@piano-lstm/core';
import { randomState, restoreRandomState, type OptimizerSpec, type RngState } from '@piano-lstm/model';
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

export function randomOf(model: tf.LayersModel): ThreadRandom {
  const r = randomState(model);
  return { dropout: r.rng.dropout, layerCalls: r.layerCalls };
}

export function restoreRandom(model: tf.LayersModel, r: ThreadRandom): void {
  restoreRandomState(model, {}, { rng: { dropout: r.dropout }, layerCalls: r.layerCalls });
}

/** A model's and optimizer's state as a message (`rename`: each optimizer slot's name as the receiver knows it). */
export async function threadState(model: tf.LayersModel, optimizer: tf.Optimizer, rename: (name: string) => string = (n) => n): Promise<ThreadState> {
  const named = await optimizer.getWeights();
  const opt = named.map((w) => ({ name: rename(w.name), ...arrayOf(w.tensor) }));
  // getWeights makes the iteration count a fresh scalar; the rest are the slot variables themselves.
  named[0]?.tensor.dispose();
  return { weights: model.weights.map((w) => arrayOf(w.read())), optimizer: opt, ...randomOf(model) };
}

/** Puts `st` into a model and its optimizer (on either side of the thread). */
export async function applyThreadState(model: tf.LayersModel, optimizer: tf.Optimizer, st: ThreadState): Promise<void> {
  const values = st.weights.map(tensorOf);
  model.setWeights(values);
  tf.dispose(values);
  const before = await optimizer.getWeights();
  const named = st.optimizer.map((w) => ({ name: w.name, tensor: tensorOf(w) }));
  await optimizer.setWeights(named);
  tf.dispose(named.map((w) => w.tensor));
  // setWeights made new slot variables: the old ones (and the iteration scalar getWeights made) go.
  tf.dispose(before.map((w) => w.tensor));
  restoreRandom(model, st);
}
