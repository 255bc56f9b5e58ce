import * as tf from '@tensorflow/tfjs';
import { registerFastWasmKernels } from './fast-wasm-kernels';
import { FusedLSTM } from './fused-lstm';
import { InitializerSpec, resolveInitializer } from './lstm-initializers';
import { NativeLstmEngine, nativeLstmStatus } from './native-lstm-engine';
import { TfjsLstmEngine } from './tfjs-lstm-engine';

/**
 * `layers`: stock `tf.layers.lstm`; `fused`: FusedLSTM on tfjs ops; `native`: FusedLSTM computed
 * by the oneDNN addon; `auto`: native when the addon loads (and no recurrent dropout), else fused.
 */
export type LstmImplementation = 'fused' | 'layers' | 'native' | 'auto';

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

/** What `kind` resolves to for this config on this machine. */
export function resolveLstmImplementation(
  kind: LstmImplementation,
  config: Pick<LstmLayerConfig, 'recurrentDropout'> = {},
): 'fused' | 'layers' | 'native' {
  if (kind !== 'auto') return kind;
  return (config.recurrentDropout ?? 0) === 0 && nativeLstmStatus().available ? 'native' : 'fused';
}

/**
 * One LSTM layer with Keras semantics (sigmoid gates, tanh, unit forget bias, glorotUniform
 * kernels) whose weights are named and laid out as Keras/tfjs (`<name>/kernel`,
 * `<name>/recurrent_kernel`, `<name>/bias`): checkpoints of every kind load into every other kind
 * when the layers have the same names.
 */
export function createLstmLayer(kind: LstmImplementation, config: LstmLayerConfig): tf.layers.Layer {
  const impl = resolveLstmImplementation(kind, config);
  if (tf.getBackend() === 'wasm' || tf.findBackendFactory('wasm')) registerFastWasmKernels();
  const common = {
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
  if (impl === 'layers') {
    // tfjs' LSTM defaults to hardSigmoid; Keras (and FusedLSTM) use sigmoid.
    return tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid', activation: 'tanh' });
  }
  const engine = impl === 'native' ? new NativeLstmEngine() : new TfjsLstmEngine();
  return new FusedLSTM({ ...common, seed: config.seed, engine });
}
