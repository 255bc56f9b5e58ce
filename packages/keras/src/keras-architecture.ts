import { InputError } from '@piano-lstm/core';

/** One layer of a Keras Sequential model, reduced to what piano-lstm's builders can express. */
export type KerasLayer =
  | { kind: 'embedding'; name: string; inputDim: number; outputDim: number }
  | { kind: 'lstm'; name: string; units: number; returnSequences: boolean; recurrentDropout: number; dropout: number }
  | { kind: 'dense'; name: string; units: number }
  | { kind: 'activation'; name: string; activation: string }
  | { kind: 'dropout'; name: string; rate: number }
  | { kind: 'batchnorm'; name: string; epsilon: number };

export interface KerasArchitecture {
  modelName: string;
  /** Steps per window (the `100` of the notebook's `(None, 100, 1)`). */
  sequenceLength: number;
  /** 1 for the notebook's scalar input; absent for integer ids into an Embedding. */
  features?: number;
  layers: KerasLayer[];
}

export const SUPPORTED_LAYERS = ['LSTM', 'Dense', 'Dropout', 'BatchNormalization', 'Activation', 'Embedding'];

type Json = Record<string, unknown>;

/**
 * Reads a Sequential `model_config` (Keras 2: `batch_input_shape` on the first layer or an
 * InputLayer; Keras 3: an InputLayer with `batch_shape`). A Dense with an inline activation becomes
 * Dense + Activation, the shape piano-lstm builds.
 */
export function parseModelConfig(text: string, file: string): KerasArchitecture {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch {
    throw new InputError(`${file}: its model_config attribute is not JSON; is this a Keras model file?`, { file });
  }
  if (root.class_name !== 'Sequential') {
    throw new InputError(`${file}: the model is a Keras ${String(root.class_name)}, not a Sequential; only Sequential LSTM stacks can be imported`, { file });
  }
  const config = root.config as Json | Json[];
  const rawLayers = (Array.isArray(config) ? config : (config.layers as Json[])) ?? [];
  const modelName = Array.isArray(config) ? 'sequential' : String(config.name ?? 'sequential');
  let shape: (number | null)[] | undefined = Array.isArray(config) ? undefined : (config.build_input_shape as (number | null)[] | undefined);
  const layers: KerasLayer[] = [];
  for (const raw of rawLayers) {
    const c = (raw.config ?? {}) as Json;
    const declared = (c.batch_shape ?? c.batch_input_shape) as (number | null)[] | undefined;
    if (declared) shape = declared;
    if (raw.class_name === 'InputLayer') continue;
    layers.push(...toLayers(String(raw.class_name), c, file));
  }
  if (!shape || shape.length < 2 || typeof shape[1] !== 'number') {
    throw new InputError(`${file}: the model does not declare its input window length (batch_shape); re-save it after building with input_shape=(100, 1)`, { file });
  }
  const first = layers[0];
  const features = first?.kind === 'embedding' ? undefined : (shape[2] ?? undefined);
  if (features !== undefined && features !== 1) {
    throw new InputError(`${file}: the model reads ${features} features per step; piano-lstm imports the notebook's one value per step (index / n_vocab) or an Embedding`, { file });
  }
  return { modelName, sequenceLength: shape[1], ...(features !== undefined ? { features } : {}), layers };
}

function toLayers(className: string, c: Json, file: string): KerasLayer[] {
  const name = String(c.name ?? className.toLowerCase());
  const num = (k: string, d = 0) => (typeof c[k] === 'number' ? (c[k] as number) : d);
  switch (className) {
    case 'LSTM':
      checkLstm(c, name, file);
      return [{ kind: 'lstm', name, units: num('units'), returnSequences: Boolean(c.return_sequences), recurrentDropout: num('recurrent_dropout'), dropout: num('dropout') }];
    case 'Dense': {
      const dense: KerasLayer = { kind: 'dense', name, units: num('units') };
      const act = String(c.activation ?? 'linear');
      if (c.use_bias === false) throw new InputError(`${file}: Dense layer '${name}' has no bias (use_bias=False); piano-lstm's Dense layers always have one`, { file });
      return act === 'linear' ? [dense] : [dense, { kind: 'activation', name: `${name}_activation`, activation: act }];
    }
    case 'Activation':
      return [{ kind: 'activation', name, activation: String(c.activation) }];
    case 'Dropout':
      return [{ kind: 'dropout', name, rate: num('rate') }];
    case 'BatchNormalization':
      if (c.center === false || c.scale === false) throw new InputError(`${file}: BatchNormalization '${name}' has center/scale off; only the default (both on) can be imported`, { file });
      return [{ kind: 'batchnorm', name, epsilon: num('epsilon', 0.001) }];
    case 'Embedding':
      return [{ kind: 'embedding', name, inputDim: num('input_dim'), outputDim: num('output_dim') }];
    default:
      throw new InputError(`${file}: layer '${name}' is a ${className}, which piano-lstm cannot import (supported: ${SUPPORTED_LAYERS.join(', ')})`, { file });
  }
}

/** The gate activations and options of piano-lstm's LSTM are Keras' defaults; anything else would compute differently. */
function checkLstm(c: Json, name: string, file: string): void {
  const expect: [string, unknown][] = [
    ['activation', 'tanh'],
    ['recurrent_activation', 'sigmoid'],
    ['use_bias', true],
    ['go_backwards', false],
    ['stateful', false],
    ['return_state', false],
  ];
  for (const [key, want] of expect) {
    if (c[key] !== undefined && c[key] !== want) {
      throw new InputError(`${file}: LSTM '${name}' has ${key}=${JSON.stringify(c[key])}; piano-lstm's LSTM computes ${key}=${JSON.stringify(want)} only`, { file });
    }
  }
}
