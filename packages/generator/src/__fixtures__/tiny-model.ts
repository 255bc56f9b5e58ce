import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch, Encoder, Piece, TensorData, WindowSet } from '@piano-lstm/core';

/** A minimal Encoder for tests: the notebook's scalar input (`id / V`) or integer ids. */
export class TinyEncoder implements Encoder {
  readonly targetKind: 'onehot' | 'sparse';
  vocabulary: readonly string[];
  constructor(
    vocabulary: readonly string[],
    readonly sequenceLength: number,
    readonly inputKind: 'scalar' | 'index' = 'scalar',
  ) {
    this.vocabulary = vocabulary;
    this.targetKind = inputKind === 'scalar' ? 'onehot' : 'sparse';
  }
  get vocabSize(): number {
    return this.vocabulary.length;
  }
  fit(pieces: Piece[]): void {
    this.vocabulary = [...new Set(pieces.flatMap((p) => p.tokens))].sort();
  }
  restore(v: readonly string[]): void {
    this.vocabulary = [...v];
  }
  encode(tokens: readonly string[]) {
    const ids: number[] = [];
    const unknown: string[] = [];
    for (const t of tokens) {
      const i = this.vocabulary.indexOf(t);
      if (i < 0) unknown.push(t);
      else ids.push(i);
    }
    return { ids, unknown };
  }
  decode(ids: readonly number[]): string[] {
    return ids.map((i) => this.vocabulary[i]);
  }
  windows(): WindowSet {
    throw new Error('not needed');
  }
  batch(): EncodedBatch {
    throw new Error('not needed');
  }
  input(sequences: readonly (readonly number[])[]): TensorData {
    const n = sequences.length;
    const T = sequences[0].length;
    if (this.inputKind === 'index') {
      return { data: Int32Array.from(sequences.flat()), shape: [n, T], dtype: 'int32' };
    }
    return { data: Float32Array.from(sequences.flat().map((i) => i / this.vocabSize)), shape: [n, T, 1], dtype: 'float32' };
  }
}

export const VOCAB = ['A4', 'B4', 'C5', 'D5', 'E5', 'F5', 'G5', '0.4.7', '2.5.9', '4.9', 'C4', 'G4'];

export interface TinyModelOptions {
  vocabSize?: number;
  /** Fixed window length, or null for a model that accepts any length. */
  window?: number | null;
  units?: number[];
  inputKind?: 'scalar' | 'index';
  recurrentActivation?: 'hardSigmoid' | 'sigmoid';
  batchNorm?: boolean;
  denseActivation?: 'linear' | 'relu' | 'tanh' | 'elu';
  seed?: number;
}

/** A small seed-like stack: LSTM × n (dropout between) → [BatchNorm] → Dense → Dropout → Dense → softmax. */
export function tinyModel(o: TinyModelOptions = {}): tf.LayersModel {
  const V = o.vocabSize ?? VOCAB.length;
  const units = o.units ?? [8, 12];
  const T = o.window === undefined ? 6 : o.window;
  let seed = o.seed ?? 1;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const model = tf.sequential();
  if (o.inputKind === 'index') {
    model.add(tf.layers.embedding({ inputDim: V, outputDim: 5, inputShape: [T], embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: seed++ }) }));
  }
  units.forEach((u, i) => {
    model.add(
      tf.layers.lstm({
        units: u,
        returnSequences: i < units.length - 1,
        recurrentActivation: o.recurrentActivation ?? 'hardSigmoid',
        kernelInitializer: init(),
        recurrentInitializer: init(),
        biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed++ }),
        ...(i === 0 && o.inputKind !== 'index' ? { inputShape: [T, 1] } : {}),
      }),
    );
    if (i < units.length - 1) model.add(tf.layers.dropout({ rate: 0.3 }));
  });
  if (o.batchNorm) model.add(tf.layers.batchNormalization({ movingMeanInitializer: 'ones', movingVarianceInitializer: 'ones' }));
  model.add(tf.layers.dense({ units: 10, activation: o.denseActivation ?? 'linear', kernelInitializer: init() }));
  model.add(tf.layers.dropout({ rate: 0.3 }));
  model.add(tf.layers.dense({ units: V, kernelInitializer: tf.initializers.randomNormal({ stddev: 1.5, seed: seed++ }) }));
  model.add(tf.layers.activation({ activation: 'softmax' }));
  return model;
}
