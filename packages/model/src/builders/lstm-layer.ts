import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@piano-lstm/core';
import { createLstmLayer, nativeLstmStatus, resolveLstmImplementation } from '../lstm';

export const LSTM_KINDS = ['auto', 'native', 'fused', 'layers'] as const;
export type LstmKind = (typeof LSTM_KINDS)[number];

export interface LstmLayerArgs {
  units: number;
  returnSequences: boolean;
  dropout: number;
  recurrentDropout: number;
  /** Seed for the kernel initialisers and dropout masks, from the run's Rng. */
  seed: number;
  inputShape?: number[];
  name?: string;
}

/**
 * What `kind` runs as here: `auto` = native when the oneDNN addon loads and there is no recurrent
 * dropout (the addon has none), else fused.
 */
export function resolveLstmKind(kind: LstmKind, recurrentDropout = 0): 'fused' | 'layers' | 'native' {
  return resolveLstmImplementation(kind, { recurrentDropout });
}

/**
 * Rejects `lstm: native` where it cannot run, at config time: the addon is checked before any run
 * folder exists, instead of failing at the first batch.
 */
export function checkLstmKind(kind: LstmKind, recurrentDropout: number, path: string): void {
  if (kind !== 'native') return;
  if (recurrentDropout > 0) {
    throw new ConfigError(
      path,
      `'native' has no recurrent dropout, but recurrentDropout is ${recurrentDropout}; use lstm: fused (or auto), or set recurrentDropout: 0`,
    );
  }
  const status = nativeLstmStatus();
  if (!status.available) {
    throw new ConfigError(
      path,
      `'native' is unavailable here (${status.reason ?? 'the oneDNN addon did not load'}); install it (apt-get install libdnnl-dev g++, then npm rebuild @piano-lstm/native-lstm) or use lstm: auto`,
    );
  }
}

/**
 * One LSTM layer of the requested kind, all with Keras semantics (sigmoid gates, unit forget bias)
 * and Keras' weight layout, so checkpoints of any kind load into any other. Kernels are
 * glorotUniform, recurrent kernels too: the default orthogonal initialiser aborts the wasm backend
 * at the seed's sizes.
 */
export function createLstm(kind: LstmKind, args: LstmLayerArgs): tf.layers.Layer {
  return createLstmLayer(resolveLstmKind(kind, args.recurrentDropout), {
    units: args.units,
    returnSequences: args.returnSequences,
    dropout: args.dropout,
    recurrentDropout: args.recurrentDropout,
    seed: args.seed,
    kernelInitializer: tf.initializers.glorotUniform({ seed: args.seed }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: args.seed + 1 }),
    unitForgetBias: true,
    ...(args.inputShape ? { inputShape: args.inputShape } : {}),
    ...(args.name ? { name: args.name } : {}),
  });
}
