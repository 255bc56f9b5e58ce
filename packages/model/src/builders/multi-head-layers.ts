import * as tf from '@tensorflow/tfjs';

/**
 * One embedding per head over `[..., H]` integer inputs (head h's local ids in column h), the
 * heads' vectors concatenated: `[..., Σ dims]`. Computed as oneHot · W like OneHotEmbedding, since
 * the wasm backend has no kernel for gather's gradient. Acts on each time step alone, so the
 * stateful generator may apply it to one step (`perTimeStep`).
 */
export class HeadEmbedding extends tf.layers.Layer {
  static readonly className = 'HeadEmbedding';
  readonly perTimeStep = true;
  readonly sizes: number[];
  readonly dims: number[];
  private readonly seed?: number;
  private tables: tf.LayerVariable[] = [];

  constructor(args: { sizes: number[]; dims: number[]; seed?: number; name?: string; inputShape?: number[]; dtype?: tf.DataType }) {
    super(args);
    this.sizes = args.sizes;
    this.dims = args.dims;
    this.seed = args.seed;
  }

  override build(): void {
    this.tables = this.sizes.map((size, h) =>
      this.addWeight(`embeddings_${h}`, [size, this.dims[h]], 'float32', tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.seed === undefined ? undefined : this.seed + h })),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...s.slice(0, -1), this.dims.reduce((a, b) => a + b, 0)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = (Array.isArray(inputs) ? inputs[0] : inputs).toInt();
      const H = this.sizes.length;
      const lead = ids.shape.slice(0, -1);
      const flat = ids.reshape([-1, H]);
      const columns = tf.split(flat, H, 1);
      const parts = columns.map((col, h) => tf.matMul(tf.oneHot(col.flatten(), this.sizes[h]).toFloat(), this.tables[h].read()));
      return tf.concat(parts, 1).reshape([...lead, this.dims.reduce((a, b) => a + b, 0)]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), sizes: this.sizes, dims: this.dims };
  }
}
tf.serialization.registerClass(HeadEmbedding);

/** Softmax over each head's block of logits `[..., Σ sizes]`, the blocks side by side: each head a distribution. */
export class HeadSoftmax extends tf.layers.Layer {
  static readonly className = 'HeadSoftmax';
  readonly perTimeStep = true;
  readonly sizes: number[];

  constructor(args: { sizes: number[]; name?: string }) {
    super(args);
    this.sizes = args.sizes;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.concat(tf.split(x, this.sizes, -1).map((b) => tf.softmax(b)), -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), sizes: this.sizes };
  }
}
tf.serialization.registerClass(HeadSoftmax);
