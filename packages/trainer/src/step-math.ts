import * as tf from '@tensorflow/tfjs';

/** Where each head's one-hot block sits in a multi-head target (accuracy needs every head right). */
export type HeadLayout = readonly { offset: number; size: number }[];

/** `[n, V]` or `[n, T, V]` (a distribution at every step) as `[rows, V]`. */
function rows2d(t: tf.Tensor): tf.Tensor2D {
  return t.reshape([-1, t.shape[t.shape.length - 1]]) as tf.Tensor2D;
}

/**
 * Keras categorical cross-entropy on softmax outputs (probabilities clipped to [ε, 1-ε]), the mean
 * over every target: one per window, or one per step when the model returns sequences.
 */
export function crossEntropy(probs: tf.Tensor, targets: tf.Tensor, sparse: boolean): tf.Scalar {
  return tf.tidy(() => {
    const V = probs.shape[probs.shape.length - 1];
    const y = sparse ? tf.oneHot(targets.toInt().flatten(), V).toFloat() : rows2d(targets);
    const p = tf.clipByValue(rows2d(probs), 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(p)), -1))) as tf.Scalar;
  });
}

/** Keras `clipnorm` (each gradient to this L2 norm) and `clipvalue` (each element to ±v). */
export function clipGradients(grads: tf.NamedTensorMap, clipNorm?: number, clipValue?: number): tf.NamedTensorMap {
  if (clipNorm === undefined && clipValue === undefined) return grads;
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    out[name] = tf.tidy(() => {
      let c = g;
      if (clipNorm !== undefined) {
        const norm = tf.norm(c);
        c = tf.mul(c, tf.div(clipNorm, tf.maximum(norm, clipNorm)));
      }
      if (clipValue !== undefined) c = tf.clipByValue(c, -clipValue, clipValue);
      return c;
    });
  }
  return out;
}

/** Targets whose prediction matches: the argmax, or with heads every head's argmax (every step's, for sequences). */
export function countCorrect(probsIn: tf.Tensor, yIn: tf.Tensor, sparse: boolean, heads?: HeadLayout): number {
  return tf.tidy(() => {
    const probs = rows2d(probsIn);
    const y = sparse ? yIn : rows2d(yIn);
    if (heads) {
      const right = heads.map((h) => tf.equal(tf.argMax(probs.slice([0, h.offset], [-1, h.size]), -1), tf.argMax(y.slice([0, h.offset], [-1, h.size]), -1)));
      return tf.sum(right.reduce((a, b) => tf.logicalAnd(a, b)).toInt()).dataSync()[0];
    }
    const predicted = tf.argMax(probs, -1);
    const truth = sparse ? y.toInt().flatten() : tf.argMax(y, -1);
    return tf.sum(tf.equal(predicted, truth).toInt()).dataSync()[0];
  });
}
