import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@piano-lstm/core';
import * as lstmImpl from '../lstm';

export const LSTM_KINDS = ['auto', 'native', 'fused', 'layers'] as const;
export type LstmKind = (typeof LSTM_KINDS)[number];

export interface LstmLayerArgs {
  units: number;
  returnSequences: boolean;
  dropout: number;
  recurrentDropout: number;
  /** Seed for the kernel initialisers, from the run's Rng. */
  seed: number;
  inputShape?: number[];
  name?: string;
}

type CreateLstmLayer = (kind: 'fused' | 'layers' | 'native', args: Record<string, unknown>) => tf.layers.Layer;

function fastFactory(): CreateLstmLayer | undefined {
  const f = (lstmImpl as Record<string, unknown>).createLstmLayer;
  return typeof f === 'function' ? (f as CreateLstmLayer) : undefined;
}

/** Which implementation `kind` resolves to here: `auto` takes the fused layer once it exists. */
export function resolveLstmKind(kind: LstmKind): 'fused' | 'layers' | 'native' {
  if (kind !== 'auto') return kind;
  return fastFactory() ? 'fused' : 'layers';
}

/**
 * One LSTM layer of the requested kind. The stock layer gets glorotUniform recurrent weights:
 * the default orthogonal initialiser aborts the wasm backend at the seed's sizes.
 */
export function createLstm(kind: LstmKind, args: LstmLayerArgs): tf.layers.Layer {
  const resolved = resolveLstmKind(kind);
  const common = {
    units: args.units,
    returnSequences: args.returnSequences,
    dropout: args.dropout,
    recurrentDropout: args.recurrentDropout,
    kernelInitializer: tf.initializers.glorotUniform({ seed: args.seed }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: args.seed + 1 }),
    ...(args.inputShape ? { inputShape: args.inputShape } : {}),
    ...(args.name ? { name: args.name } : {}),
  };
  if (resolved !== 'layers') {
    const fast = fastFactory();
    if (!fast) throw new ConfigError('model.options.lstm', `'${kind}' is not available in this build (use lstm: layers or auto)`);
    return fast(resolved, { ...common, seed: args.seed });
  }
  // Keras' LSTM defaults, which tfjs' differ from: sigmoid (not hardSigmoid) gates, unit forget bias.
  return tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid', unitForgetBias: true });
}
