import * as tf from '@tensorflow/tfjs';

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
      return tf.train.rmsprop(lr, 0.9, 0, 1e-7);
    case 'adam':
      return tf.train.adam(lr, 0.9, 0.999, 1e-7);
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
