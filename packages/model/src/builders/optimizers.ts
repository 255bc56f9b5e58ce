import * as tf from '@tensorflow/tfjs';
import { loadedNativeModule, withTensorMemory, type NativeOptimizerArrays } from '../lstm/native-lstm-math';

export const OPTIMIZERS = ['rmsprop', 'adam', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface OptimizerSpec {
  name: OptimizerName;
  /** Keras defaults when absent: rmsprop/adam 0.001, sgd 0.01. */
  learningRate?: number;
}

export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { rmsprop: 0.001, adam: 0.001, sgd: 0.01 };

/** Keras' defaults: RMSprop rho 0.9, epsilon 1e-7; Adam 0.9/0.999/1e-7. */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const lr = spec.learningRate ?? DEFAULT_LEARNING_RATE[spec.name];
  switch (spec.name) {
    case 'rmsprop':
      return accelerateOptimizer(tf.train.rmsprop(lr, 0.9, 0, 1e-7));
    case 'adam':
      return accelerateOptimizer(tf.train.adam(lr, 0.9, 0.999, 1e-7));
    case 'sgd':
      return tf.train.sgd(lr);
  }
}

/** The optimizer's name and learning rate, as stored in checkpoints. */
export function describeOptimizer(opt: tf.Optimizer): OptimizerSpec {
  const cls = opt.getClassName();
  const name: OptimizerName = cls === 'Adam' ? 'adam' : cls === 'SGD' ? 'sgd' : 'rmsprop';
  return { name, learningRate: (opt as unknown as { learningRate: number }).learningRate };
}

/** Changes a live optimizer's learning rate (tfjs reads the field at every step; it has no setter). */
export function setLearningRate(opt: tf.Optimizer, learningRate: number): void {
  (opt as unknown as { learningRate: number }).learningRate = learningRate;
}

type Slot = { originalName: string; variable: tf.Variable };
type NamedGradients = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];

/** The fields of tfjs' RMSPropOptimizer / AdamOptimizer that their applyGradients use. */
interface RmspropState {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: Slot[];
  accumulatedMoments: Slot[];
  incrementIterations(): void;
}
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  incrementIterations(): void;
}

/** Each (name, variable, gradient) of an applyGradients call, in tfjs' order (its slot index). */
function eachGradient(grads: NamedGradients, f: (name: string, value: tf.Variable, g: tf.Tensor | undefined, i: number) => void): void {
  const names = Array.isArray(grads) ? grads.map((v) => v.name) : Object.keys(grads);
  names.forEach((name, i) => f(name, tf.engine().registeredVariables[name], Array.isArray(grads) ? grads[i].tensor : grads[name], i));
}

/** tfjs' lazily created, non-trainable zero slot of a variable. */
function slot(slots: Slot[], i: number, name: string, value: tf.Variable): tf.Variable {
  if (slots[i] == null) slots[i] = { originalName: name, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
  return slots[i].variable;
}

/** Writes a weight's and its two slots' new values (computed by `update` into fresh tensors) into the variables. */
function assignUpdate(value: tf.Variable, g: tf.Tensor, s0: tf.Variable, s1: tf.Variable, update: (a: NativeOptimizerArrays) => void): void {
  const shape = value.shape;
  const [w, n0, n1] = withTensorMemory([value, g, s0, s1], [shape, shape, shape], ([wv, gv, a, b], [wo, ao, bo]) =>
    update({ w: wv, g: gv, slots: [a, b], wOut: wo, slotsOut: [ao, bo] }),
  );
  s0.assign(n0);
  s1.assign(n1);
  value.assign(w);
  tf.dispose([w, n0, n1]);
}

/**
 * Lets `opt` (tf.train.rmsprop not centered, or tf.train.adam) step on the native addon when this
 * process has loaded it and runs on wasm: one multi-threaded pass per weight instead of tfjs' ~16
 * single-threaded element-wise kernels, with the same float32 operations in the same order (the
 * weights and slots come out bit-identical), and the same slot variables, so getWeights/setWeights,
 * checkpoints and resume are unchanged. Anywhere else the stock applyGradients runs.
 */
export function accelerateOptimizer<O extends tf.Optimizer>(opt: O): O {
  const stock = opt.applyGradients.bind(opt);
  const cls = opt.getClassName();
  opt.applyGradients = (grads: NamedGradients) => {
    const mod = tf.getBackend() === 'wasm' ? loadedNativeModule() : undefined;
    const entries = Array.isArray(grads) ? grads.map((g) => g.tensor) : Object.values(grads);
    if (!mod || entries.some((t) => t && t.dtype !== 'float32')) return stock(grads);
    if (cls === 'RMSProp' && !(opt as unknown as RmspropState).centered) {
      const o = opt as unknown as RmspropState;
      eachGradient(grads, (name, value, g, i) => {
        const ms = slot(o.accumulatedMeanSquares, i, `${name}/rms`, value);
        const mom = slot(o.accumulatedMoments, i, `${name}/momentum`, value);
        if (!g) return;
        assignUpdate(value, g, ms, mom, (a) => mod.rmspropUpdate(a, o));
      });
      o.incrementIterations();
      return;
    }
    if (cls === 'Adam') {
      const o = opt as unknown as AdamState;
      // tfjs computes 1 - beta^t in float32 from its float32 beta^t variables
      const [omab1, omab2] = tf.tidy(() => [tf.sub(1, o.accBeta1).dataSync()[0], tf.sub(1, o.accBeta2).dataSync()[0]]);
      eachGradient(grads, (name, value, g, i) => {
        const m = slot(o.accumulatedFirstMoment, i, `${name}/m`, value);
        const v = slot(o.accumulatedSecondMoment, i, `${name}/v`, value);
        if (!g) return;
        const c = { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, oneMinusAccBeta1: omab1, oneMinusAccBeta2: omab2 };
        assignUpdate(value, g, m, v, (a) => mod.adamUpdate(a, c));
      });
      tf.tidy(() => {
        o.accBeta1.assign(tf.mul(o.accBeta1, o.beta1));
        o.accBeta2.assign(tf.mul(o.accBeta2, o.beta2));
      });
      o.incrementIterations();
      return;
    }
    return stock(grads);
  };
  return opt;
}
