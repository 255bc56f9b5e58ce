import { OptionReader, type StageFactory } from '@piano-lstm/core';
import { CompoundEncoder, type CompoundOptions } from './compound-encoder';
import { EventsEncoder, type EventsOptions } from './events-encoder';
import { MultiHeadEncoder, type MultiHeadOptions } from './multi-head-encoder';
import { readRhythmOptions } from './rhythm-options';

export { CompoundEncoder, timedEvents, type CompoundOptions } from './compound-encoder';
export { MultiHeadEncoder, HEAD_NAMES, type MultiHeadOptions } from './multi-head-encoder';
export { EventsEncoder, type EventsOptions } from './events-encoder';
export { normaliseTimed, pitchKeys, type RhythmOptions, type RhythmCounts } from './rhythm-options';

export const compoundEncoderFactory: StageFactory<CompoundEncoder, CompoundOptions> = {
  stage: 'Encoder',
  type: 'compound',
  description: 'rhythm: one token per pitch|gap|duration[|velocity] (timed source), rare ones (minCount) mapped to the nearest frequent one',
  parseOptions(raw, path) {
    const r = new OptionReader(raw, path);
    const o = { ...readRhythmOptions(r), minCount: r.int('minCount', { default: 1, min: 1, max: 1_000_000 }) };
    r.done();
    return o;
  },
  create: (options) => new CompoundEncoder(options),
};

export const multiHeadEncoderFactory: StageFactory<MultiHeadEncoder, MultiHeadOptions> = {
  stage: 'Encoder',
  type: 'multi-head',
  description: 'rhythm: parallel pitch/gap/duration(/velocity) inputs and softmax heads, loss = sum (model type multi-head)',
  parseOptions(raw, path) {
    const r = new OptionReader(raw, path);
    const o = {
      ...readRhythmOptions(r),
      velocity: r.boolean('velocity', { default: false }),
      rhythmDim: r.int('rhythmDim', { default: 16, min: 1, max: 4096 }),
    };
    r.done();
    return o;
  },
  create: (options) => new MultiHeadEncoder(options),
};

export const eventsEncoderFactory: StageFactory<EventsEncoder, EventsOptions> = {
  stage: 'Encoder',
  type: 'events',
  description: 'rhythm: performance-RNN stream NOTE_ON p, NOTE_OFF p, TIME_SHIFT n, VELOCITY v',
  parseOptions(raw, path) {
    const r = new OptionReader(raw, path);
    const o = { ...readRhythmOptions(r), maxShift: r.int('maxShift', { default: 12, min: 1, max: 10_000 }) };
    r.done();
    return o;
  },
  create: (options) => new EventsEncoder(options),
};

export const rhythmEncoderFactories = [compoundEncoderFactory, multiHeadEncoderFactory, eventsEncoderFactory];
