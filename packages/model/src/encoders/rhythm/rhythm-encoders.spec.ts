import * as tf from '@tensorflow/tfjs';
import { Rng, type Encoder, type Piece } from '@piano-lstm/core';
import { initBackend } from '../../backend';
import { buildMultiHead } from '../../builders/multi-head-builder';
import { modelRegistry } from '../../model-module';
import { compoundEncoderFactory, eventsEncoderFactory, multiHeadEncoderFactory } from './index';

const pieces: Piece[] = [
  { path: 'a.mid', tokens: ['C4|0|1/2', 'E4|1/2|1/2', 'G4|1/2|1/2', '0.4.7|1/2|1', 'C4|1|1/2', 'E4|1/2|1/2', 'G4|1/2|1/2', 'C5|1/2|2'] },
  { path: 'b.mid', tokens: ['A3|0|1', 'C4|1|1/3', 'E4|1/3|1/3', 'A3|1/3|1/3', 'C4|1/3|1', 'E4|1|1'] },
];
const T = 3;
beforeAll(() => initBackend('cpu'));
const common = { sequenceLength: T, stride: 1, crossPieces: false, dim: 4, grid: 12, maxGap: 2, maxDuration: 4 };

describe('compound encoder', () => {
  const make = (o: Record<string, unknown> = {}) => compoundEncoderFactory.create(compoundEncoderFactory.parseOptions({ ...common, ...o }, 'encoder.options'), undefined as never);

  it('builds the vocabulary from the timed tokens, one item per pitch|gap|duration', () => {
    const enc = make();
    enc.fit(pieces);
    expect(enc.vocabulary).toContain('0.4.7|1/2|1');
    expect(enc.vocabulary).toContain('C4|1/3|1');
    expect(new Set(enc.vocabulary).size).toBe(enc.vocabSize);
    expect(enc.vocabSize).toBe(new Set(pieces.flatMap((p) => p.tokens)).size);
  });

  it('maps tokens rarer than minCount to the nearest frequent one (same pitch, closest rhythm)', () => {
    const enc = make({ minCount: 2 });
    enc.fit(pieces);
    expect(enc.vocabulary).toEqual(['E4|1/2|1/2', 'G4|1/2|1/2']);
    const { ids, unknown } = enc.encode(['G4|1|1/2', 'G4|1/2|2', 'A3|0|1']);
    expect(unknown).toEqual([]);
    // same pitch when there is one; else the closest pitch (A3 → E4 before G4)
    expect(enc.decode(ids)).toEqual(['G4|1/2|1/2', 'G4|1/2|1/2', 'E4|1/2|1/2']);
    expect(enc.counts.mapped).toBe(3);
  });

  it('windows within pieces and decodes targets back to the tokens', () => {
    const enc = make();
    enc.fit(pieces);
    const w = enc.windows(pieces);
    expect(w.count).toBe(8 - T + (6 - T));
    const b = enc.batch(w, [0]);
    expect(b.inputs.shape).toEqual([1, T]);
    expect(enc.decode([...Array.from(b.inputs.data), b.targets.data[0]])).toEqual(pieces[0].tokens.slice(0, T + 1));
  });

  it('clamps and counts duration 0 and gaps beyond maxGap, and never throws on junk', () => {
    const enc = make();
    enc.fit(pieces);
    const w = enc.windows([{ path: 'x', tokens: ['C4|0|0', 'E4|9|1/2', 'G4|1/2|1/2', 'junk', 'C4|1/2|99', 'E4|1/2|1/2'] }]);
    expect(w.clampedTokens).toBe(3);
    expect(w.unknownTokens).toBe(1);
    const ev = enc.toEvents(enc.encode(['C4|0|1/2', 'E4|1/2|1/2']).ids);
    expect(ev).toEqual({ events: [{ token: 'C4', offset: 0, duration: 0.5 }, { token: 'E4', offset: 0.5, duration: 0.5 }], invalid: 0 });
  });

  it('comes back from its spec (checkpoint) through the registry with the same vocabulary', () => {
    const enc = make({ minCount: 1 });
    enc.fit(pieces);
    const spec = enc.spec();
    const factory = modelRegistry().get<Encoder>('Encoder', spec.type);
    const again = factory.create(factory.parseOptions(spec.options, 'encoder.options'), undefined as never);
    again.restore(enc.vocabulary);
    expect(again.encode(pieces[1].tokens).ids).toEqual(enc.encode(pieces[1].tokens).ids);
  });
});

describe('multi-head encoder', () => {
  const make = (o: Record<string, unknown> = {}) => multiHeadEncoderFactory.create(multiHeadEncoderFactory.parseOptions({ ...common, ...o }, 'encoder.options'), undefined as never);

  it('builds one vocabulary per head, side by side, gaps and durations in numeric order', () => {
    const enc = make();
    enc.fit(pieces);
    expect(enc.heads.map((h) => [h.name, h.size, h.offset])).toEqual([
      ['pitch', 6, 0],
      ['gap', 4, 6],
      ['duration', 4, 10],
    ]);
    expect(enc.vocabulary.slice(6)).toEqual(['gap:0', 'gap:1/3', 'gap:1/2', 'gap:1', 'duration:1/3', 'duration:1/2', 'duration:1', 'duration:2']);
  });

  it('packs a step as one id, windows [n,T,H] inputs and one 1 per head in the targets', () => {
    const enc = make();
    enc.fit(pieces);
    const { ids } = enc.encode(pieces[0].tokens);
    expect(enc.decode(ids)).toEqual(pieces[0].tokens);
    for (const id of ids) expect(enc.join(enc.split(id))).toBe(id);
    const w = enc.windows(pieces);
    const b = enc.batch(w, [1, 0]);
    expect(b.inputs.shape).toEqual([2, T, 3]);
    expect(b.targets.shape).toEqual([2, enc.vocabSize]);
    const row1 = Array.from(b.targets.data.subarray(enc.vocabSize, 2 * enc.vocabSize));
    expect(row1.reduce((a, x) => a + x, 0)).toBe(3);
    // window 0's target is the 4th token, 0.4.7|1/2|1
    expect(enc.vocabulary.filter((_, i) => row1[i] === 1)).toEqual(['pitch:0.4.7', 'gap:1/2', 'duration:1']);
  });

  it('takes the nearest gap/duration for unseen values, clamps out-of-range ones, reports unknown pitches', () => {
    const enc = make();
    enc.fit(pieces);
    const { ids, unknown } = enc.encode(['C4|1/4|5/12', 'E4|0|0', 'F#9|0|1', 'nonsense']);
    expect(unknown).toEqual(['F#9|0|1', 'nonsense']);
    expect(enc.decode(ids)).toEqual(['C4|1/3|1/2', 'E4|0|1/3']);
    expect(enc.counts.clamped).toBe(1);
    expect(() => enc.decode([10_000])).toThrow(/outside the vocabulary/);
  });

  it('adds a velocity head when asked, and says what to change when the tokens carry none', () => {
    const enc = make({ velocity: true });
    expect(() => enc.fit(pieces)).toThrow(/source.options.velocity/);
    enc.fit([{ path: 'v', tokens: ['C4|0|1|40', 'E4|1|1|88', 'G4|1|1|40'] }]);
    expect(enc.heads.map((h) => h.name)).toEqual(['pitch', 'gap', 'duration', 'velocity']);
    expect(enc.toEvents(enc.encode(['E4|0|1|88']).ids).events).toEqual([{ token: 'E4', offset: 0, duration: 1, velocity: 88 }]);
  });

  it('trains a tiny multi-head network whose loss is the sum of the heads', async () => {
    const enc = make();
    enc.fit(pieces);
    const model = buildMultiHead(
      { layers: [8], dense: [], denseActivation: 'linear', dropout: 0, recurrentDropout: 0, batchNorm: false, dropoutAfter: 'inner-lstms', embedding: 0, lstm: 'layers', optimizer: 'adam' },
      { vocabSize: enc.vocabSize, sequenceLength: T, inputKind: 'index', targetKind: 'onehot', embeddingDim: 4, heads: enc.heads.map((h) => ({ name: h.name, size: h.size, dim: h.dim })) },
      new Rng(1),
    );
    const b = enc.batch(enc.windows(pieces), [0, 1, 2]);
    const x = tf.tensor(b.inputs.data, b.inputs.shape, 'int32');
    const y = tf.tensor(b.targets.data, b.targets.shape);
    const p = model.predict(x) as tf.Tensor;
    const probs = (await p.data()) as Float32Array;
    // each head's block is a distribution
    for (const h of enc.heads) expect(probs.subarray(h.offset, h.offset + h.size).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    const total = tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(p)), -1))).dataSync()[0]);
    let perHead = 0;
    for (const h of enc.heads) {
      perHead += tf.tidy(() => {
        const ph = p.slice([0, h.offset], [-1, h.size]);
        const yh = y.slice([0, h.offset], [-1, h.size]);
        return tf.neg(tf.mean(tf.sum(tf.mul(yh, tf.log(ph)), -1))).dataSync()[0];
      });
    }
    expect(total).toBeCloseTo(perHead, 4);
    expect(enc.countCorrect(probs, b.targets.data as Float32Array, 3)).toBeGreaterThanOrEqual(0);
    tf.dispose([x, y, p]);
    model.dispose();
  });
});

describe('events encoder', () => {
  const make = (o: Record<string, unknown> = {}) => eventsEncoderFactory.create(eventsEncoderFactory.parseOptions({ ...common, maxShift: 6, ...o }, 'encoder.options'), undefined as never);

  it('writes note-offs before note-ons, splits long waits into TIME_SHIFTs and lists every shift', () => {
    const enc = make();
    expect(enc.stream(['C4|0|1/2', 'E4|1/2|1', '2.5|1|1/2']).events).toEqual([
      'NOTE_ON:60',
      'TIME_SHIFT:6',
      'NOTE_OFF:60',
      'NOTE_ON:64',
      'TIME_SHIFT:6',
      'TIME_SHIFT:6',
      'NOTE_OFF:64',
      'NOTE_ON:62',
      'NOTE_ON:65',
      'TIME_SHIFT:6',
      'NOTE_OFF:62',
      'NOTE_OFF:65',
    ]);
    enc.fit(pieces);
    expect(enc.vocabulary.filter((v) => v.startsWith('TIME_SHIFT'))).toEqual([1, 2, 3, 4, 5, 6].map((n) => `TIME_SHIFT:${n}`));
  });

  it('round-trips timed tokens through the event stream', () => {
    const enc = make();
    enc.fit(pieces);
    for (const p of pieces) {
      const { ids, unknown } = enc.encode(p.tokens);
      expect(unknown).toEqual([]);
      const { events, invalid } = enc.toEvents(ids);
      expect(invalid).toBe(0);
      let at = 0;
      const expected = p.tokens.flatMap((t) => {
        const [pitch, gap, dur] = t.split('|');
        at += eval(gap);
        const keys = pitch.includes('.') ? pitch.split('.').map((c) => ['C4', 'C#4', 'D4', 'E-4', 'E4', 'F4', 'F#4', 'G4', 'G#4', 'A4', 'B-4', 'B4'][Number(c)]) : [pitch];
        return keys.map((k) => [k, +at.toFixed(6), +eval(dur).toFixed(6)]);
      });
      expect(events.map((e) => [e.token, +e.offset.toFixed(6), +e.duration.toFixed(6)])).toEqual(expected);
    }
  });

  it('counts impossible streams instead of failing: stray NOTE_OFF, zero duration, never released', () => {
    const enc = make();
    enc.fit(pieces);
    const ids = enc.encode(['C4|0|1/2']).ids; // ON 60, SHIFT 6, OFF 60
    const on = enc.idOf('NOTE_ON:64')!;
    const off = enc.idOf('NOTE_OFF:64')!;
    const stray = enc.idOf('NOTE_OFF:57')!;
    const { events, invalid } = enc.toEvents([stray, on, off, ...ids, on]);
    expect(invalid).toBe(3);
    expect(events.map((e) => [e.token, e.offset, e.duration])).toEqual([
      ['C4', 0, 0.5],
      ['E4', 0, 1 / 12],
      ['E4', 0.5, 1 / 12],
    ]);
  });

  it('clamps gaps beyond maxGap when encoding and counts them', () => {
    const enc = make();
    enc.fit(pieces);
    const w = enc.windows([{ path: 'x', tokens: ['C4|0|1/2', 'E4|30|1/2', 'G4|1/2|0', 'C4|1/2|1/2', 'E4|1/2|1/2'] }]);
    expect(w.clampedTokens).toBe(2);
    expect(w.count).toBeGreaterThan(0);
  });
});
