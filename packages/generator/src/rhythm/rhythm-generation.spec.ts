import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng, silentLogger, type Encoder, type Piece } from '@piano-lstm/core';
import { TimedMidiSink, parseTimedMidiOptions, readMidiNotes } from '@piano-lstm/midi-io';
import {
  buildMultiHead,
  compoundEncoderFactory,
  eventsEncoderFactory,
  initBackend,
  lstmModelFactory,
  multiHeadEncoderFactory,
  type MultiHeadEncoder,
} from '@piano-lstm/model';
import { generatePieces } from '../generate-pieces';
import { generateTokenIds } from '../generate-tokens';
import { createSampler } from '../samplers/samplers';

const T = 8;
const tokens = ['C4|0|1/2', 'E4|1/2|1/4', 'G4|1/4|1/4', 'C5|1/4|1', 'B4|1|1/3', 'A4|1/3|1/3', 'G4|1/3|1/3', 'F4|1/3|3/2', 'E4|3/2|1/2', 'D4|1/2|1/2', 'C4|1/2|2'];
const pieces: Piece[] = [
  { path: 'a', tokens },
  { path: 'b', tokens: [...tokens].reverse().map((t, i) => (i === 0 ? t.replace(/\|[^|]+\|/, '|0|') : t)) },
];
const common = { sequenceLength: T, stride: 1, crossPieces: false, dim: 4, grid: 12, maxGap: 4, maxDuration: 4 };
const stack = { layers: [6], dense: [], dropout: 0, lstm: 'layers', optimizer: 'adam' };

async function setup(kind: 'compound' | 'multi-head' | 'events'): Promise<{ encoder: Encoder; model: tf.LayersModel }> {
  const rng = new Rng(5);
  if (kind === 'multi-head') {
    const encoder = multiHeadEncoderFactory.create(multiHeadEncoderFactory.parseOptions({ ...common, rhythmDim: 3 }, 'encoder.options'), undefined as never) as MultiHeadEncoder;
    encoder.fit(pieces);
    const model = buildMultiHead(
      { layers: [6], dense: [], denseActivation: 'linear', dropout: 0, recurrentDropout: 0, batchNorm: false, dropoutAfter: 'inner-lstms', embedding: 0, lstm: 'layers', optimizer: 'adam' },
      { vocabSize: encoder.vocabSize, sequenceLength: T, inputKind: 'index', targetKind: 'onehot', heads: encoder.heads.map((h) => ({ name: h.name, size: h.size, dim: h.dim })) },
      rng,
    );
    return { encoder, model };
  }
  const factory = kind === 'compound' ? compoundEncoderFactory : eventsEncoderFactory;
  const encoder = (factory as typeof compoundEncoderFactory).create((factory as typeof compoundEncoderFactory).parseOptions(common, 'encoder.options'), undefined as never);
  encoder.fit(pieces);
  const model = await lstmModelFactory.create(lstmModelFactory.parseOptions(stack, 'model.options'), { rng, log: silentLogger, baseDir: '.' }).build({
    vocabSize: encoder.vocabSize,
    sequenceLength: T,
    inputKind: 'index',
    targetKind: 'sparse',
    embeddingDim: 4,
  });
  return { encoder, model };
}

let tmp: string;
beforeAll(() => initBackend('cpu'));
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rhythm-gen-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SAMPLERS: [string, Record<string, unknown>][] = [
  ['argmax', {}],
  ['temperature', { t: 1.2 }],
  ['top-k', { k: 3 }],
  ['top-p', { p: 0.9, repetitionPenalty: { penalty: 1.3, window: 4 } }],
];

describe.each(['compound', 'multi-head', 'events'] as const)('generation with the %s encoder', (kind) => {
  let encoder: Encoder;
  let model: tf.LayersModel;
  beforeAll(async () => ({ encoder, model } = await setup(kind)));
  afterAll(() => model.dispose());

  it.each(['window', 'stateful'] as const)('%s mode: every sampler writes timed MIDI whose notes all have a positive duration', async (mode) => {
    const trainingIds = pieces.map((p) => encoder.encode(p.tokens).ids);
    for (const [type, opts] of SAMPLERS) {
      const files = await generatePieces({
        model,
        encoder,
        sampler: createSampler(type, opts),
        sink: new TimedMidiSink(parseTimedMidiOptions({ tempo: 100 }, 'sink.options')),
        generate: { length: 16, count: 2, primer: 'random-window', mode, width: 2 },
        trainingIds,
        rng: new Rng(9).fork('generate'),
        outDir: path.join(tmp, `${mode}-${type}`),
        log: silentLogger,
      });
      expect(files).toHaveLength(2);
      for (const f of files) {
        const notes = readMidiNotes(fs.readFileSync(f)).notes;
        expect(notes.length).toBeGreaterThan(0);
        for (const n of notes) expect(n.duration).toBeGreaterThan(0);
      }
    }
  });

  // While the history fits in the window both modes read it from a zero state, so they must agree;
  // the last step here runs model.predict in window mode and the step-by-step twin in stateful mode.
  it('window and stateful modes draw the same steps while the history fits the window (argmax)', async () => {
    const primer = encoder.encode(pieces[0].tokens).ids.slice(0, 3);
    const req = { primers: [primer], length: T - 2, sampler: createSampler('argmax'), rngs: [new Rng(1)] };
    const w = await generateTokenIds(model, encoder, { ...req, mode: 'window' });
    const s = await generateTokenIds(model, encoder, { ...req, mode: 'stateful' });
    expect(s).toEqual(w);
    expect(encoder.decode(w[0])).toHaveLength(T - 2);
    expect(encoder.toEvents!(w[0]).events.every((e) => e.duration > 0)).toBe(true);
  });
});

describe('multi-head specifics', () => {
  it('draws each head on its own: the step ids decode to values seen per head, beam is refused with the fix', async () => {
    const { encoder, model } = await setup('multi-head');
    try {
      const primer = encoder.encode(tokens).ids.slice(0, T);
      const ids = await generateTokenIds(model, encoder, { primers: [primer], length: 12, mode: 'stateful', sampler: createSampler('temperature', { t: 2 }), rngs: [new Rng(3)] });
      const heads = (encoder as MultiHeadEncoder).heads;
      for (const id of ids[0]) {
        const local = encoder.multiHead!.split(id);
        local.forEach((v, h) => expect(v).toBeLessThan(heads[h].size));
      }
      await expect(generateTokenIds(model, encoder, { primers: [primer], length: 2, mode: 'beam', sampler: createSampler('argmax'), rngs: [new Rng(3)] })).rejects.toThrow(
        /beam is not available for the multi-head encoder.*window or stateful/,
      );
    } finally {
      model.dispose();
    }
  });
});
