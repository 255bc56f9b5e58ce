import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers';

/** An initializer given by name ('glorotUniform'), as an instance, or serialized ({className, config}). */
export type InitializerSpec = string | Initializer | { className: string; config: tf.serialization.ConfigDict };

// tfjs-layers does not export its Initializer base class; take it from an instance.
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as new () => Initializer;

/**
 * Keras' orthogonal initializer (QR of a normal matrix, signs fixed so the diagonal of R is
 * positive), computed in JS with modified Gram–Schmidt in float64: tfjs' own `orthogonal` runs
 * `tf.linalg.qr`, which aborts the wasm backend at LSTM sizes. Serializes as tfjs' `Orthogonal`.
 */
export class FastOrthogonal extends InitializerBase {
  static className = 'Orthogonal';
  constructor(private readonly args: { gain?: number; seed?: number } = {}) {
    super();
  }
  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (shape.length < 2) throw new Error(`Orthogonal initializer needs a shape of rank >= 2, got [${shape}]`);
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1];
    const n = Math.max(rows, cols);
    const k = Math.min(rows, cols);
    // k orthonormal vectors of length n, each stored contiguously.
    const a = Float64Array.from(tf.tidy(() => tf.randomNormal([k, n], 0, 1, 'float32', this.args.seed).dataSync()));
    for (let j = 0; j < k; j++) {
      const vj = a.subarray(j * n, (j + 1) * n);
      for (let p = 0; p < j; p++) {
        const vp = a.subarray(p * n, (p + 1) * n);
        let dot = 0;
        for (let q = 0; q < n; q++) dot += vp[q] * vj[q];
        for (let q = 0; q < n; q++) vj[q] -= dot * vp[q];
      }
      let norm = 0;
      for (let q = 0; q < n; q++) norm += vj[q] * vj[q];
      norm = Math.sqrt(norm) || 1;
      for (let q = 0; q < n; q++) vj[q] /= norm;
    }
    const gain = this.args.gain ?? 1;
    const out = new Float32Array(rows * cols);
    // rows >= cols: the vectors are the columns; otherwise they are the rows.
    for (let j = 0; j < k; j++) {
      for (let q = 0; q < n; q++) {
        const v = gain * a[j * n + q];
        if (rows >= cols) out[q * cols + j] = v;
        else out[j * cols + q] = v;
      }
    }
    return tf.tensor(out, shape, dtype ?? 'float32');
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { gain: this.args.gain ?? 1, seed: this.args.seed ?? null };
  }
}

const byName: Record<string, () => Initializer> = {
  glorotuniform: () => tf.initializers.glorotUniform({}),
  glorotnormal: () => tf.initializers.glorotNormal({}),
  heuniform: () => tf.initializers.heUniform({}),
  henormal: () => tf.initializers.heNormal({}),
  orthogonal: () => new FastOrthogonal(),
  zeros: () => tf.initializers.zeros(),
  ones: () => tf.initializers.ones(),
};

/** Resolves an initializer spec; 'orthogonal' (any spelling or serialized form) becomes FastOrthogonal. */
export function resolveInitializer(spec: InitializerSpec, what: string): Initializer {
  if (typeof spec === 'string') {
    const make = byName[spec.replace(/_/g, '').toLowerCase()];
    if (!make) throw new Error(`${what}: unknown initializer '${spec}' (known: ${Object.keys(byName).join(', ')})`);
    return make();
  }
  if (spec instanceof InitializerBase) {
    if (spec.getClassName() === 'Orthogonal' && !(spec instanceof FastOrthogonal)) {
      return new FastOrthogonal(spec.getConfig() as { gain?: number; seed?: number });
    }
    return spec;
  }
  const { className, config } = spec as { className: string; config: tf.serialization.ConfigDict };
  if (className === 'Orthogonal') return new FastOrthogonal((config ?? {}) as { gain?: number; seed?: number });
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`${what}: unknown initializer class '${className}'`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config ?? {}) as unknown as Initializer;
}

export function serializeInitializer(init: Initializer): tf.serialization.ConfigDict {
  return { className: init.getClassName(), config: init.getConfig() };
}

/** Keras' unit_forget_bias: the forget-gate slice of the bias starts at 1. */
export function unitForgetBiasInitializer(base: Initializer, units: number): Initializer {
  class UnitForgetBias extends InitializerBase {
    static className = 'UnitForgetBias';
    override apply(): tf.Tensor {
      return tf.tidy(() =>
        tf.concat([base.apply([units]), tf.ones([units]), base.apply([2 * units])], 0),
      );
    }
    override getConfig(): tf.serialization.ConfigDict {
      return {};
    }
  }
  return new UnitForgetBias();
}
