import * as tf from '@tensorflow/tfjs';

/**
 * Keras `Embedding` computed as oneHot(ids) · W. Same parameters and outputs, but its gradient is
 * a matMul: tfjs's gather gradient needs UnsortedSegmentSum, which the wasm backend lacks.
 */
export class OneHotEmbedding extends tf.layers.Layer {
  static readonly className = 'OneHotEmbedding';
  readonly inputDim: number;
  readonly outputDim: number;
  private readonly seed?: number;
  private embeddings!: tf.LayerVariable;

  constructor(args: { inputDim: number; outputDim: number; seed?: number; name?: string; inputShape?: number[]; dtype?: tf.DataType }) {
    super(args);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.seed = args.seed;
  }

  override build(): void {
    // Keras initialises embeddings uniform(-0.05, 0.05).
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], 'float32', tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.seed }));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...s, this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = (Array.isArray(inputs) ? inputs[0] : inputs).toInt();
      const flat = tf.oneHot(ids.flatten(), this.inputDim).toFloat();
      const out = tf.matMul(flat, this.embeddings.read());
      return out.reshape([...ids.shape, this.outputDim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim };
  }
}
tf.serialization.registerClass(OneHotEmbedding);
