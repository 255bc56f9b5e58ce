import type { InitializerSpec } from './lstm-initializers';
import { resolveInitializer } from './lstm-initializers';

export interface LstmLayerConfig {
  units: number;
  returnSequences?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  inputShape?: number[];
  name?: string;
  /** Seed of FusedLSTM's dropout masks (ignored by the stock layer, which has no seed). */
  seed?: number;
  kernelInitializer?: InitializerSpec;
  /** Default glorotUniform; 'orthogonal' works too (computed in JS, see FastOrthogonal). */
  recurrentInitializer?: InitializerSpec;
  unitForgetBias?: boolean;
}

/** The Keras LSTM arguments every engine's layer takes, with the defaults filled in. */
export function kerasLstmArgs(config: LstmLayerConfig) {
  return {
    units: config.units,
    returnSequences: config.returnSequences ?? false,
    dropout: config.dropout ?? 0,
    recurrentDropout: config.recurrentDropout ?? 0,
    kernelInitializer: resolveInitializer(config.kernelInitializer ?? 'glorotUniform', 'kernelInitializer'),
    recurrentInitializer: resolveInitializer(config.recurrentInitializer ?? 'glorotUniform', 'recurrentInitializer'),
    unitForgetBias: config.unitForgetBias ?? true,
    ...(config.inputShape ? { inputShape: config.inputShape } : {}),
    ...(config.name ? { name: config.name } : {}),
  };
}
