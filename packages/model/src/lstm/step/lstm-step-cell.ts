import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { InputError } from '@piano-lstm/core';

/** Recurrent state of one LSTM layer for a batch: h and c, each `[batch, units]`. */
// A type alias, not an interface, so it counts as a tf.TensorContainer inside tf.tidy.
export type LstmState = {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
};

/**
 * One LSTM layer advanced one time step at a time with explicit state (stateful generation). Each
 * engine makes its own from a trained layer; all compute what the layer computes over a whole
 * sequence (the conformance suite checks it), and read the Keras weight layout.
 */
export interface LstmStepCell {
  readonly units: number;
  /** x `[batch, inputDim]` and the state before the step → the state after it (h is the output). Inputs are not disposed. */
  step(x: tf.Tensor2D, state: LstmState): LstmState;
  dispose(): void;
}

/** The trained weights of an LSTM-like layer, recognised by role whatever the layer class. */
export interface LstmWeights {
  kernel: LayerVariable;
  recurrentKernel: LayerVariable;
  bias?: LayerVariable;
  inputDim: number;
  units: number;
  /** `layer 'lstm_1' (LSTM)`, for messages. */
  where: string;
}

/**
 * `lstm_1/recurrent_kernel` → `recurrent_kernel`. tfjs appends `_1`, `_2`… to a variable name already
 * taken in the process (a model loaded beside the one that was trained), so that suffix goes too.
 */
export function weightRole(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1).replace(/_\d+$/, '');
}

/**
 * The layer's LSTM weights (Keras layout: kernel `[I, 4H]`, recurrent_kernel `[H, 4H]`, bias `[4H]`,
 * gates i, f, c, o), undefined for a layer that is no LSTM; one line naming the layer for a
 * recurrent layer that cannot be stepped.
 */
export function readLstmWeights(layer: tf.layers.Layer): LstmWeights | undefined {
  const cls = layer.getClassName();
  if (/^(GRU|SimpleRNN|Bidirectional|ConvLSTM2D|RNN)$/.test(cls)) {
    throw new InputError(`stateful generation cannot step recurrent layer '${layer.name}' (${cls}); only LSTMs (use mode: window)`);
  }
  const find = (role: string) => layer.weights.find((w) => weightRole(w.name) === role);
  const kernel = find('kernel');
  const recurrentKernel = find('recurrent_kernel');
  if (!kernel || !recurrentKernel) {
    if (/lstm|gru|rnn/i.test(cls)) {
      throw new InputError(`stateful generation cannot read recurrent layer '${layer.name}' (${cls}): no kernel/recurrent_kernel weights (use mode: window)`);
    }
    return undefined;
  }
  const bias = find('bias');
  const [inputDim, fourH] = kernel.shape as number[];
  const units = (recurrentKernel.shape as number[])[0];
  if (fourH !== 4 * units || (recurrentKernel.shape as number[])[1] !== 4 * units || (bias && (bias.shape as number[])[0] !== 4 * units)) {
    throw new InputError(`layer '${layer.name}' (${cls}) does not have LSTM weight shapes (kernel [I,4H], recurrent_kernel [H,4H]); use mode: window`);
  }
  const config = layer.getConfig() as Record<string, unknown>;
  if (config.goBackwards) throw new InputError(`layer '${layer.name}' reads its input backwards; stateful generation cannot step it (use mode: window)`);
  const useBias = Boolean(bias) && config.useBias !== false;
  return { kernel, recurrentKernel, bias: useBias ? bias : undefined, inputDim, units, where: `layer '${layer.name}' (${cls})` };
}

export function zeroLstmState(batch: number, units: number): LstmState {
  return { h: tf.zeros([batch, units]) as tf.Tensor2D, c: tf.zeros([batch, units]) as tf.Tensor2D };
}
