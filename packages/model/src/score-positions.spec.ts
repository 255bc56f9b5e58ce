import * as tf from '@tensorflow/tfjs';
import { EmbeddingEncoder } from './encoders/embedding-encoder';
import { multiHeadEncoderFactory } from './encoders/rhythm';
import { scorePositions, scoredPositions, scoringWindows } from './score-positions';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const T = 4;
const tokens = ['C4', 'E4', 'G4', '0.4.7', 'C4', 'E4', 'G4', 'C5', 'B4', 'C5', 'A3', 'E4'];

function encoder(): EmbeddingEncoder {
  const enc = new EmbeddingEncoder({ sequenceLength: T, stride: 1, crossPieces: false, dim: 3 });
  enc.fit([{ path: 'a', tokens }]);
  return enc;
}

/** −Σ y ln clip(p) over the window set the trainer's validation builds (stride 1, within the piece). */
function validationLoss(model: tf.LayersModel, enc: EmbeddingEncoder, seq: string[]): { loss: number; correct: number; count: number } {
  const windows = enc.windows([{ path: 'v', tokens: seq }]);
  const batch = enc.batch(windows, Array.from({ length: windows.count }, (_, i) => i));
  return tf.tidy(() => {
    const p = model.apply(tf.tensor(batch.inputs.data, batch.inputs.shape, batch.inputs.dtype), { training: false }) as tf.Tensor;
    const y = tf.oneHot(tf.tensor1d(batch.targets.data as Int32Array, 'int32'), enc.vocabSize).toFloat();
    const loss = tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))))).dataSync()[0];
    const correct = tf.sum(tf.equal(tf.argMax(p, -1), tf.tensor1d(batch.targets.data as Int32Array, 'int32')).toInt()).dataSync()[0];
    return { loss, correct, count: windows.count };
  });
}

describe('the positions contract', () => {
  it("last: one window per position p ≥ T, each predicting p", () => {
    expect(scoredPositions(7, 4, 'last')).toEqual([4, 5, 6]);
    expect(scoringWindows(7, 4, 'last')).toEqual([
      { start: 0, from: 4 },
      { start: 1, from: 5 },
      { start: 2, from: 6 },
    ]);
  });

  it('all: non-overlapping windows, then one aligned to the end scoring only the positions left; every position 1..n-1 once', () => {
    expect(scoringWindows(10, 4, 'all')).toEqual([
      { start: 0, from: 1 },
      { start: 4, from: 5 },
      { start: 5, from: 9 },
    ]);
    expect(scoredPositions(10, 4, 'all')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(scoringWindows(9, 4, 'all')).toEqual([
      { start: 0, from: 1 },
      { start: 4, from: 5 },
    ]);
    expect(scoredPositions(5, 4, 'all')).toEqual([1, 2, 3, 4]);
    for (let n = 5; n < 30; n++) expect(scoredPositions(n, 4, 'all')).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 1));
  });

  it('a piece of n ≤ T tokens is skipped in both modes', () => {
    expect(scoredPositions(4, 4, 'all')).toEqual([]);
    expect(scoredPositions(4, 4, 'last')).toEqual([]);
  });
});

describe('scorePositions', () => {
  it("last: per-position nats average to the validation loss, and accuracy matches, in batches of any size", () => {
    const enc = encoder();
    const model = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: enc.vocabSize, outputDim: 3, inputLength: T }), tf.layers.lstm({ units: 5 }), tf.layers.dense({ units: enc.vocabSize, activation: 'softmax' })],
    });
    const expected = validationLoss(model, enc, tokens);
    for (const batchSize of [1, 3, 64]) {
      const scored = scorePositions(model, enc, tokens, 'last', { batchSize });
      expect(scored.map((s) => s.position)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
      expect(scored.map((s) => s.token)).toEqual(tokens.slice(4));
      expect(scored.reduce((a, s) => a + s.nats, 0)).toBeCloseTo(expected.loss, 4);
      expect(scored.filter((s) => s.correct).length).toBe(expected.correct);
    }
    model.dispose();
  });

  it('tokens outside the vocabulary are dropped as the trainer drops them; positions stay those of the input', () => {
    const enc = encoder();
    const model = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: enc.vocabSize, outputDim: 3, inputLength: T }), tf.layers.lstm({ units: 5 }), tf.layers.dense({ units: enc.vocabSize, activation: 'softmax' })],
    });
    const withUnknown = [...tokens.slice(0, 5), 'X9', ...tokens.slice(5)];
    const plain = scorePositions(model, enc, tokens, 'last');
    const scored = scorePositions(model, enc, withUnknown, 'last');
    expect(scored.map((s) => s.token)).toEqual(plain.map((s) => s.token));
    expect(scored.map((s) => s.position)).toEqual(plain.map((s) => (s.position >= 5 ? s.position + 1 : s.position)));
    scored.forEach((s, i) => expect(s.nats).toBeCloseTo(plain[i].nats, 5));
    model.dispose();
  });

  it('all: a sequence model scores every position 1..n-1 once, each from the step that predicts it', () => {
    const enc = encoder();
    // no recurrence: step t's distribution depends on input t only, so each position's p is known without windows
    const model = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: enc.vocabSize, outputDim: 3, inputLength: T }), tf.layers.timeDistributed({ layer: tf.layers.dense({ units: enc.vocabSize, activation: 'softmax' }) })],
    });
    const { ids } = enc.encode(tokens);
    const table = tf.tidy(() => (model.apply(tf.tensor2d(enc.vocabulary.map((_, id) => [id, id, id, id]), [enc.vocabSize, T], 'int32')) as tf.Tensor).arraySync() as number[][][]);
    const scored = scorePositions(model, enc, tokens, 'all', { batchSize: 2 });
    expect(scored.map((s) => s.position)).toEqual(Array.from({ length: tokens.length - 1 }, (_, i) => i + 1));
    for (const s of scored) {
      const p = table[ids[s.position - 1]][0];
      expect(s.nats).toBeCloseTo(-Math.log(p[ids[s.position]]), 5);
      expect(s.correct).toBe(p.indexOf(Math.max(...p)) === ids[s.position]);
    }
    model.dispose();
  });

  it("all refuses a model that returns one distribution per window", () => {
    const enc = encoder();
    const model = tf.sequential({ layers: [tf.layers.embedding({ inputDim: enc.vocabSize, outputDim: 3, inputLength: T }), tf.layers.flatten(), tf.layers.dense({ units: enc.vocabSize, activation: 'softmax' })] });
    expect(() => scorePositions(model, enc, tokens, 'all')).toThrow(/returning one distribution per step/);
    model.dispose();
  });

  it('multi-head: nats sum over heads, correct only when every head is right', () => {
    const enc = multiHeadEncoderFactory.create(
      multiHeadEncoderFactory.parseOptions({ sequenceLength: 2, stride: 1, crossPieces: false, dim: 4, grid: 12, maxGap: 2, maxDuration: 4 }, 'encoder.options'),
      undefined as never,
    );
    const timed = ['C4|0|1/2', 'E4|1/2|1/2', 'G4|1/2|1', 'C4|1|1/2'];
    enc.fit([{ path: 'a', tokens: timed }]);
    const V = enc.vocabSize;
    // a fixed distribution for every window: uniform within each head except a favourite value
    const row = new Float32Array(V);
    for (const h of enc.heads) for (let j = 0; j < h.size; j++) row[h.offset + j] = j === 0 ? 0.5 : 0.5 / (h.size - 1);
    const fake = { apply: (x: tf.Tensor) => tf.tensor2d(Array.from({ length: x.shape[0] }, () => Array.from(row)), [x.shape[0], V]) } as unknown as tf.LayersModel;
    const scored = scorePositions(fake, enc, timed, 'last');
    expect(scored.map((s) => s.position)).toEqual([2, 3]);
    for (const s of scored) {
      const local = enc.split(enc.encode([s.token]).ids[0]);
      const expected = enc.heads.reduce((a, h, i) => a - Math.log(row[h.offset + local[i]]), 0);
      expect(s.nats).toBeCloseTo(expected, 5);
      expect(s.correct).toBe(local.every((l) => l === 0));
    }
  });
});
