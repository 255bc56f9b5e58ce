import * as tf from '@tensorflow/tfjs';
import { InputError } from '@piano-lstm/core';
import { ACTIVATIONS, activationName, disposeAffine, makeAffine, runAffine, type Activation, type Affine } from './step-affine';
import type { LstmState, LstmStepCell, LstmWeights } from './lstm-step-cell';

/**
 * The step of any layer holding Keras LSTM weights, with the activations its config names (tfjs'
 * stock LSTM defaults to hard sigmoid gates; Keras imports may use others): per gate one fused
 * matMul over `[x, h]`. The `layers` engine's cell, and the fallback for LSTM-like layers that no
 * registered engine claims.
 */
export class KerasLstmStepCell implements LstmStepCell {
  readonly units: number;
  private readonly gates: Affine[];
  private readonly activation: Activation;

  constructor(layer: tf.layers.Layer, weights: LstmWeights) {
    const { kernel, recurrentKernel, bias, inputDim, units, where } = weights;
    const config = layer.getConfig() as Record<string, unknown>;
    // Absent keys mean the tfjs defaults.
    const cellActivation = activationName(config.activation ?? 'tanh');
    const recurrentActivation = activationName(config.recurrentActivation ?? 'hardSigmoid');
    const activation = ACTIVATIONS[cellActivation];
    if (!activation) throw new InputError(`${where} uses activation '${cellActivation}', which stateful generation does not implement (use mode: window)`);
    const blocks = tf.tidy(() => {
      const both = tf.concat([kernel.read(), recurrentKernel.read()], 0) as tf.Tensor2D;
      // Gate columns are contiguous blocks in Keras order i, f, c, o.
      return [0, 1, 2, 3].map((g) => ({
        w: both.slice([0, g * units], [inputDim + units, units]),
        b: bias ? (bias.read() as tf.Tensor1D).slice([g * units], [units]) : undefined,
      }));
    });
    const gates: Affine[] = [];
    try {
      blocks.forEach((blk, g) => gates.push(makeAffine(blk.w, blk.b, g === 2 ? cellActivation : recurrentActivation, where)));
    } catch (e) {
      gates.forEach(disposeAffine);
      // makeAffine disposed the block it failed on; the later ones are still ours.
      blocks.slice(gates.length + 1).forEach((blk) => tf.dispose([blk.w, ...(blk.b ? [blk.b] : [])]));
      throw e;
    }
    this.units = units;
    this.gates = gates;
    this.activation = activation;
  }

  step(x: tf.Tensor2D, { h, c }: LstmState): LstmState {
    return tf.tidy(() => {
      const xh = tf.concat([x, h], 1) as tf.Tensor2D;
      const [i, f, g, o] = this.gates.map((gate) => runAffine(xh, gate));
      const c2 = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
      const h2 = tf.mul(o, this.activation(c2)) as tf.Tensor2D;
      return { h: h2, c: c2 };
    });
  }

  dispose(): void {
    this.gates.forEach(disposeAffine);
  }
}
