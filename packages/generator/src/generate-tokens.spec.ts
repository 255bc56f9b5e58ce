import * as tf from '@tensorflow/tfjs';
import { Rng, type GenerateMode } from '@piano-lstm/core';
import { generateTokenIds } from './generate-tokens';
import { disposeState, ModelStepper } from './inference/model-stepper';
import { createSampler } from './samplers/samplers';
import { tinyModel, TinyEncoder, VOCAB } from './__fixtures__/tiny-model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const argmax = createSampler('argmax');
const rngs = (n: number, seed = 1) => Array.from({ length: n }, (_, i) => new Rng(seed).fork(`piece-${i}`));
const randomPrimer = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(VOCAB.length));

async function gen(model: tf.LayersModel, enc: TinyEncoder, mode: GenerateMode, primers: number[][], length: number, sampler = argmax, seed = 1, width = 4) {
  return generateTokenIds(model, enc, { primers, length, mode, width, sampler, rngs: rngs(primers.length, seed) });
}

/** Sum of log-probabilities the model gives `tokens` after `primer`. */
function logLikelihood(model: tf.LayersModel, enc: TinyEncoder, primer: number[], tokens: number[]): number {
  const stepper = ModelStepper.fromModel(model);
  const x = tf.tensor(enc.input([primer]).data, enc.input([primer]).shape);
  let { output, state } = stepper.run(x);
  let total = 0;
  for (const t of tokens) {
    total += Math.log(output.dataSync()[t]);
    const d = enc.input([[t]]);
    const input = tf.tensor(d.data, [1, ...d.shape.slice(2)], d.dtype);
    const next = stepper.step(input, state);
    tf.dispose([input, output]);
    disposeState(state);
    ({ output, state } = next);
  }
  tf.dispose([x, output]);
  disposeState(state);
  stepper.dispose();
  return total;
}

describe('window and stateful modes agree', () => {
  const T = 8;
  const enc = new TinyEncoder(VOCAB, T);

  it('argmax: the first token after a full-window primer is the same in both modes', async () => {
    const model = tinyModel({ window: T, seed: 3 });
    const rng = new Rng(5);
    const primers = Array.from({ length: 6 }, () => randomPrimer(rng, T));
    const w = await gen(model, enc, 'window', primers, 1);
    const s = await gen(model, enc, 'stateful', primers, 1);
    expect(s).toEqual(w);
    model.dispose();
  });

  it.each([
    ['a model of any length', null],
    ['a fixed-window model', 24],
  ])('argmax on %s: every token agrees while the history fits the window', async (_name, window) => {
    const long = new TinyEncoder(VOCAB, 24);
    const model = tinyModel({ window, seed: 4, units: [10, 10] });
    const primers = [randomPrimer(new Rng(8), 3), randomPrimer(new Rng(9), 3)];
    const fits = 24 - 3 + 1; // tokens predicted from a history of at most 24
    const w = await gen(model, long, 'window', primers, fits + 5);
    const s = await gen(model, long, 'stateful', primers, fits + 5);
    expect(s.map((x) => x.slice(0, fits))).toEqual(w.map((x) => x.slice(0, fits)));
    model.dispose();
  });
});

describe('determinism and batching', () => {
  const T = 6;
  const enc = new TinyEncoder(VOCAB, T);
  const topP = createSampler('top-p', { p: 0.95, t: 1.5 });

  it.each(['window', 'stateful'] as const)('%s: same seed → same tokens; another seed → others', async (mode) => {
    const model = tinyModel({ window: T, seed: 6 });
    const primers = [randomPrimer(new Rng(1), T)];
    const a = await gen(model, enc, mode, primers, 40, topP, 7);
    const b = await gen(model, enc, mode, primers, 40, topP, 7);
    const c = await gen(model, enc, mode, primers, 40, topP, 8);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    model.dispose();
  });

  it.each(['window', 'stateful', 'beam'] as const)('%s: a batch of pieces equals each piece generated alone, and leaks no tensors', async (mode) => {
    const model = tinyModel({ window: T, seed: 7 });
    const primers = Array.from({ length: 5 }, (_, i) => randomPrimer(new Rng(100 + i), T));
    const before = tf.memory().numTensors;
    const batched = await gen(model, enc, mode, primers, 12, topP, 3);
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < primers.length; i++) {
      const alone = await generateTokenIds(model, enc, { primers: [primers[i]], length: 12, mode, width: 3, sampler: topP, rngs: [rngs(5, 3)[i]] });
      expect(alone[0]).toEqual(batched[i]);
    }
    model.dispose();
  });

  it('stateful: N pieces in one pass take much less time than N single runs', async () => {
    const model = tinyModel({ window: T, seed: 8 });
    const N = 8;
    const primers = Array.from({ length: N }, (_, i) => randomPrimer(new Rng(i), T));
    await gen(model, enc, 'stateful', primers.slice(0, 1), 5, topP); // warm-up
    let t0 = performance.now();
    for (const p of primers) await gen(model, enc, 'stateful', [p], 60, topP);
    const singles = performance.now() - t0;
    t0 = performance.now();
    await gen(model, enc, 'stateful', primers, 60, topP);
    const batched = performance.now() - t0;
    expect(batched).toBeLessThan(singles / 2);
    model.dispose();
  });
});

describe('beam search', () => {
  const T = 6;
  const enc = new TinyEncoder(VOCAB, T);

  it('width 1 is greedy (argmax stateful)', async () => {
    const model = tinyModel({ window: T, seed: 9 });
    const primers = [randomPrimer(new Rng(2), T), randomPrimer(new Rng(3), T)];
    expect(await gen(model, enc, 'beam', primers, 15, argmax, 1, 1)).toEqual(await gen(model, enc, 'stateful', primers, 15));
    model.dispose();
  });

  it('width 4 finds a continuation at least as likely as greedy, and more likely on some primer', async () => {
    const enc = new TinyEncoder(VOCAB, T, 'index');
    const model = tinyModel({ window: T, seed: 10, inputKind: 'index', units: [16] });
    let better = 0;
    for (let k = 0; k < 6; k++) {
      const primer = randomPrimer(new Rng(50 + k), T);
      const [greedy] = await gen(model, enc, 'stateful', [primer], 10);
      const [beam] = await gen(model, enc, 'beam', [primer], 10, argmax, 1, 4);
      const lg = logLikelihood(model, enc, primer, greedy);
      const lb = logLikelihood(model, enc, primer, beam);
      expect(lb).toBeGreaterThanOrEqual(lg - 1e-4);
      if (lb > lg + 1e-4) better++;
    }
    expect(better).toBeGreaterThan(0);
    model.dispose();
  });

  it('honours the sampler’s n-gram blocking', async () => {
    const model = tinyModel({ window: T, seed: 11 });
    const blocking = createSampler('argmax', { repetitionPenalty: { ngram: 2, maxRepeats: 1 } });
    const primer = randomPrimer(new Rng(4), T);
    const [out] = await gen(model, enc, 'beam', [primer], 40, blocking, 1, 3);
    const history = [...primer, ...out];
    const bigrams = new Map<string, number>();
    for (let i = primer.length - 1; i + 1 < history.length; i++) {
      const key = `${history[i]},${history[i + 1]}`;
      bigrams.set(key, (bigrams.get(key) ?? 0) + 1);
    }
    // 12 tokens allow 144 bigrams, so 40 steps never need to repeat one.
    expect(Math.max(...bigrams.values())).toBe(1);
    model.dispose();
  });
});
