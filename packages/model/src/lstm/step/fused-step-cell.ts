import * as tf from '@tensorflow/tfjs';
import { lstmCellForward } from '../lstm-cell-kernels';
import type { LstmState, LstmStepCell, LstmWeights } from './lstm-step-cell';

/**
 * The `fused` engine's step: the input projection (one fused matMul with the bias), the recurrent
 * matMul, and the same single-pass cell kernel the whole-sequence FusedLSTM runs at every step
 * (sigmoid gates, tanh). Three kernel launches per layer and step.
 */
export class FusedLstmStepCell implements LstmStepCell {
  readonly units: number;
  private readonly kernel: tf.Tensor2D;
  private readonly recurrentKernel: tf.Tensor2D;
  private readonly bias: tf.Tensor1D;

  constructor(weights: LstmWeights) {
    this.units = weights.units;
    // Copies: the cell outlives neither nor depends on the model's variables being kept.
    this.kernel = weights.kernel.read().clone() as tf.Tensor2D;
    this.recurrentKernel = weights.recurrentKernel.read().clone() as tf.Tensor2D;
    this.bias = weights.bias ? (weights.bias.read().clone() as tf.Tensor1D) : tf.zeros([4 * weights.units]);
  }

  step(x: tf.Tensor2D, { h, c }: LstmState): LstmState {
    return tf.tidy(() => {
      const B = x.shape[0];
      const zx = tf.reshape(tf.fused.matMul({ a: x, b: this.kernel, bias: this.bias }), [1, B, 4 * this.units]) as tf.Tensor3D;
      const r = tf.matMul(h, this.recurrentKernel) as tf.Tensor2D;
      const [, c2, h2] = lstmCellForward(zx, r, c, 0);
      return { h: h2, c: c2 };
    });
  }

  dispose(): void {
    tf.dispose([this.kernel, this.recurrentKernel, this.bias]);
  }
}
