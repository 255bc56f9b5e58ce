import fc from 'fast-check';
import { ConfigError } from '@piano-lstm/core';
import { compareWithBaselines, computeBaselines } from './baselines';
import { KneserNeyModel, TokenIds } from './kneser-ney';

const split = (s: string) => s.split(' ');
const train = [split('a b a b c')];

describe('interpolated Kneser–Ney on a toy corpus (hand-computed)', () => {
  // ids: unknown 0, a 1, b 2, c 3 (V = 4). Padded training text: <s> a b a b c.
  // Bigram counts: <s>→a 1, a→b 2, b→a 1, b→c 1.
  // Continuation counts N1+(•w): a {<s>, b} = 2, b {a} = 1, c {b} = 1; total 4, 3 types.
  // With D = 0.5: p1(w) = max(N1+(•w) − ½, 0)/4 + (½·3/4)·¼
  const p1 = { unk: 0.09375, a: 0.46875, b: 0.21875, c: 0.21875 };
  // p2(w|a) = max(c − ½, 0)/2 + (½·1/2)·p1(w);  p2(w|b) = max(c − ½, 0)/2 + (½·2/2)·p1(w)
  const p2 = {
    a: { a: 0.25 * p1.a, b: 0.75 + 0.25 * p1.b, c: 0.25 * p1.c, unk: 0.25 * p1.unk },
    b: { a: 0.25 + 0.5 * p1.a, b: 0.5 * p1.b, c: 0.25 + 0.5 * p1.c, unk: 0.5 * p1.unk },
    bos: { a: 0.5 + 0.5 * p1.a, b: 0.5 * p1.b, c: 0.5 * p1.c, unk: 0.5 * p1.unk },
  };
  const vocab = new TokenIds(train);
  const model = new KneserNeyModel(2, vocab, train.map((s) => vocab.encode(s)), 0.5);
  const id = (tok: string) => vocab.id(tok);

  it.each([
    { history: [], token: 'a', expected: p2.bos.a },
    { history: [], token: 'b', expected: p2.bos.b },
    { history: ['a'], token: 'b', expected: p2.a.b },
    { history: ['a'], token: 'a', expected: p2.a.a },
    { history: ['b'], token: 'a', expected: p2.b.a },
    { history: ['b'], token: 'c', expected: p2.b.c },
    { history: ['b'], token: 'zzz', expected: p2.b.unk },
    { history: ['c'], token: 'a', expected: p1.a, why: 'unseen context: straight to the lower order' },
    { history: ['c'], token: 'never-seen', expected: p1.unk },
  ])('p($token | $history) = $expected', ({ history, token, expected }) => {
    expect(model.probability(history.map(id), id(token))).toBeCloseTo(expected, 12);
  });

  it('estimates the discounts from counts-of-counts', () => {
    const estimated = new KneserNeyModel(2, vocab, train.map((s) => vocab.encode(s)));
    // unigram continuation counts {2, 1, 1}: n1 = 2, n2 = 1 → 2/4; bigram counts {1, 2, 1, 1}: n1 = 3, n2 = 1 → 3/5
    expect(estimated.discounts).toEqual([0.5, 0.6]);
  });

  it('scores a held-out sequence: cross-entropy in nats and accuracy', () => {
    const b = computeBaselines(train, [split('a b c d')], { n: 2, discount: 0.5 });
    // targets: a|<s>, b|a, c|b, d (unknown)|c
    const kn = -(Math.log(p2.bos.a) + Math.log(p2.a.b) + Math.log(p2.b.c) + Math.log(p1.unk)) / 4;
    expect(b.kneser_ney.nats_per_token).toBeCloseTo(kn, 12);
    // argmax: a after <s> ✓, b after a ✓, a (not c) after b ✗, a (not d) after c ✗
    expect(b.kneser_ney.accuracy).toBe(0.5);
    // add-one unigram: counts a 2, b 2, c 1, unknown 0 over 5 tokens + 4 types = 9
    const uni = -(Math.log(3 / 9) + Math.log(3 / 9) + Math.log(2 / 9) + Math.log(1 / 9)) / 4;
    expect(b.unigram.nats_per_token).toBeCloseTo(uni, 12);
    expect(b.unigram.accuracy).toBe(0.25);
    expect(b).toEqual(expect.objectContaining({ vocab_size: 4, unknown_targets: 1 }));
    expect(b.kneser_ney.tokens).toBe(4);
  });

  it('scores only targets from startAt on', () => {
    const b = computeBaselines(train, [split('a b c d')], { n: 2, discount: 0.5, startAt: 2 });
    expect(b.kneser_ney.tokens).toBe(2);
    expect(b.kneser_ney.nats_per_token).toBeCloseTo(-(Math.log(p2.b.c) + Math.log(p1.unk)) / 2, 12);
  });

  it('scores exactly the positions given per sequence (the model\'s), with the full history before each', () => {
    const b = computeBaselines(train, [split('a b c d'), split('b a')], { n: 2, discount: 0.5, positions: [[2], [1]] });
    expect(b.kneser_ney.tokens).toBe(2);
    expect(b.kneser_ney.nats_per_token).toBeCloseTo(-(Math.log(p2.b.c) + Math.log(p2.b.a)) / 2, 12);
    expect(() => computeBaselines(train, [split('a b')], { positions: [[2]] })).toThrow('position 2 is outside validation sequence 0 (2 tokens)');
    expect(() => computeBaselines(train, [split('a b')], { positions: [] })).toThrow(/positions lists 0 sequences/);
  });
});

describe('Kneser–Ney middle orders use continuation counts', () => {
  // Training text "x a b x a b", n = 3, D = ½. "a b" occurs twice but always after x: raw count 2,
  // continuation count N1+(• a b) = 1. Unigram continuation counts: x {<s>, b} = 2, a 1, b 1 (total 4, 3 types),
  // so p1(b) = ½/4 + (½·3/4)·¼ = 0.21875, and p2(b | a) = ½/1 + (½·1/1)·p1(b) = 0.609375
  // (raw counts would give 1.5/2 + ¼·p1(b) = 0.8046875).
  const seqs = [split('x a b x a b')];
  const vocab = new TokenIds(seqs);
  const model = new KneserNeyModel(3, vocab, seqs.map((s) => vocab.encode(s)), 0.5);

  it('p(b | unseen-token a) backs off to the continuation bigram', () => {
    expect(model.probability(vocab.encode(['y', 'a']), vocab.id('b'))).toBeCloseTo(0.609375, 12);
  });

  it('p(b | x a) interpolates the trigram with it', () => {
    // trigram context "x a": {b: 2}, total 2, 1 type → 1.5/2 + (½·1/2)·0.609375
    expect(model.probability(vocab.encode(['x', 'a']), vocab.id('b'))).toBeCloseTo(0.75 + 0.25 * 0.609375, 12);
  });
});

describe('Kneser–Ney distributions', () => {
  it('sum to one for any corpus, order and history', () => {
    const token = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    fc.assert(
      fc.property(
        fc.array(fc.array(token, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'x'), { maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        (seqs, history, order) => {
          const vocab = new TokenIds(seqs);
          const kn = new KneserNeyModel(order, vocab, seqs.map((s) => vocab.encode(s)));
          const dist = kn.distribution(vocab.encode(history));
          expect(dist.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 10);
          expect(Math.min(...dist)).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('beats the unigram on text with structure', () => {
    const seq = Array.from({ length: 400 }, (_, i) => 'cdefgab'[(i * 3) % 7]);
    const b = computeBaselines([seq], [seq.slice(0, 100)], { n: 3 });
    expect(b.kneser_ney.nats_per_token!).toBeLessThan(b.unigram.nats_per_token! / 4);
    expect(b.kneser_ney.accuracy).toBe(1);
  });

  it('rejects bad options with the path and the rule', () => {
    expect(() => computeBaselines(train, train, { n: 0 })).toThrow(ConfigError);
    expect(() => computeBaselines(train, train, { n: 0 })).toThrow(/baselines\.n: 0 is out of range/);
    expect(() => computeBaselines(train, train, { order: 3 } as never)).toThrow(/unknown key 'order'/);
  });
});

describe('compareWithBaselines', () => {
  const baselines = computeBaselines(train, [split('a b a b')], { n: 2 });
  const kn = baselines.kneser_ney.nats_per_token!;
  const uni = baselines.unigram.nats_per_token!;

  it.each([
    { model: kn / 2, beatsUnigram: true, beatsKn: true, flagged: false },
    { model: (kn + uni) / 2, beatsUnigram: true, beatsKn: false, flagged: true },
    { model: uni * 2, beatsUnigram: false, beatsKn: false, flagged: true },
    { model: null, beatsUnigram: null, beatsKn: null, flagged: false },
  ])('model at $model nats', ({ model, beatsUnigram, beatsKn, flagged }) => {
    const c = compareWithBaselines({ nats_per_token: model, accuracy: 0.3 }, baselines);
    expect(c.beats_unigram).toBe(beatsUnigram);
    expect(c.beats_kneser_ney).toBe(beatsKn);
    expect(c.flag !== null).toBe(flagged);
    if (flagged) expect(c.flag).toMatch(/does not beat the 2-gram Kneser-Ney baseline/);
  });
});
