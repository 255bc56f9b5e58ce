import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@piano-lstm/core';
import { createLstmLayer, lstmEngine, lstmEngines, LSTM_KINDS, type LstmKind } from '../lstm';

export { LSTM_KINDS, type LstmKind };

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
 * Rejects an engine named in the config that cannot run here, at config time: the engine (e.g.
 * the native addon) is checked before any run folder exists, instead of failing at the first batch.
 * `auto` always finds one.
 */
export function checkLstmEngine(kind: LstmKind, recurrentDropout: number, path: string): void {
  if (kind === 'auto') return;
  const engine = lstmEngine(kind);
  if (recurrentDropout > 0 && !engine.supports.recurrentDropout) {
    const alt = lstmEngines().find((e) => e.supports.recurrentDropout && e.available().available)?.name ?? 'fused';
    throw new ConfigError(
      path,
      `'${kind}' has no recurrent dropout, but recurrentDropout is ${recurrentDropout}; use lstm: ${alt} (or auto), or set recurrentDropout: 0`,
    );
  }
  const status = engine.available();
  if (!status.available) {
    throw new ConfigError(path, `'${kind}' is unavailable here (${status.reason ?? 'it did not load'}); ${status.fix ? `${status.fix} or ` : ''}use lstm: auto`);
  }
}

/**
 * One LSTM layer on the engine `kind` names, all with Keras semantics (sigmoid gates, unit forget
 * bias) and Keras' weight layout, so checkpoints of any engine load into any other. Kernels are
 * glorotUniform, recurrent kernels too: the default orthogonal initialiser aborts the wasm backend
 * at the notebook's sizes.
 */
export function createLstm(kind: LstmKind, args: LstmLayerArgs): tf.layers.Layer {
  return createLstmLayer(kind, {
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
