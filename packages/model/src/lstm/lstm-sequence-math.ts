import * as tf from '@tensorflow/tfjs';

/**
 * The sequence math of one FusedLSTM layer, time-major, without dropout on the inputs (the layer
 * applies that mask before calling) and without autodiff (the layer wraps forward/backward in
 * one `tf.customGrad`). Implementations: `TfjsLstmMath` (tf ops + the cell kernels, any
 * backend) and the oneDNN addon (`NativeLstmMath`).
 */
export interface LstmSequenceInputs {
  /** [T,B,I] ([B,T,I] for a `batchMajor` engine), already multiplied by the input dropout mask. */
  xTm: tf.Tensor3D;
  kernel: tf.Tensor2D;
  recurrentKernel: tf.Tensor2D;
  bias: tf.Tensor1D;
  /** [B,H] recurrent dropout mask (scaled), or null. */
  recurrentMask: tf.Tensor2D | null;
}

export interface LstmForwardResult {
  /** [T,B,H] ([B,T,H] if `batchMajor`) when returnSequences, else the last state [B,H]. */
  y: tf.Tensor;
  /** What backward needs; empty when no gradient is being recorded. */
  saved: tf.Tensor[];
}

export interface LstmGradients {
  /** In the layout of `xTm`. */
  dxTm: tf.Tensor3D;
  dKernel: tf.Tensor2D;
  dRecurrentKernel: tf.Tensor2D;
  dBias: tf.Tensor1D;
}

export interface LstmSequenceMath {
  /** The registered engine this math belongs to (`fused`, `native`). */
  readonly name: string;
  readonly supportsRecurrentDropout: boolean;
  /** Takes and returns sequences batch-major ([B,T,·], the layer's own layout): no transposes. */
  readonly batchMajor?: boolean;
  forward(inp: LstmSequenceInputs, returnSequences: boolean, needGrad: boolean): LstmForwardResult;
  /** dy is [T,B,H] ([B,T,H] if `batchMajor`) when returnSequences, else [B,H]. */
  backward(dy: tf.Tensor, inp: LstmSequenceInputs, saved: tf.Tensor[], returnSequences: boolean): LstmGradients;
  dispose?(): void;
}
