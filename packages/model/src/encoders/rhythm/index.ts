import { optionsParser, type StageFactory } from '@piano-lstm/core';
import { COMPOUND_OPTIONS, CompoundEncoder, type CompoundOptions } from './compound-encoder';
import { EVENTS_OPTIONS, EventsEncoder, type EventsOptions } from './events-encoder';
import { MULTI_HEAD_OPTIONS, MultiHeadEncoder, type MultiHeadOptions } from './multi-head-encoder';

export { CompoundEncoder, timedEvents, type CompoundOptions } from './compound-encoder';
export { MultiHeadEncoder, HEAD_NAMES, type MultiHeadOptions } from './multi-head-encoder';
export { EventsEncoder, type EventsOptions } from './events-encoder';
export { normaliseTimed, pitchKeys, type RhythmOptions, type RhythmCounts } from './rhythm-options';

export const compoundEncoderFactory: StageFactory<CompoundEncoder, CompoundOptions> = {
  stage: 'Encoder',
  type: 'compound',
  description: 'rhythm: one token per pitch|gap|duration[|velocity] (timed source), rare ones (minCount) mapped to the nearest frequent one',
  options: COMPOUND_OPTIONS,
  parseOptions: optionsParser(COMPOUND_OPTIONS),
  create: (options) => new CompoundEncoder(options),
};

export const multiHeadEncoderFactory: StageFactory<MultiHeadEncoder, MultiHeadOptions> = {
  stage: 'Encoder',
  type: 'multi-head',
  description: 'rhythm: parallel pitch/gap/duration(/velocity) inputs and softmax heads, loss = sum (model type multi-head)',
  options: MULTI_HEAD_OPTIONS,
  parseOptions: optionsParser(MULTI_HEAD_OPTIONS),
  create: (options) => new MultiHeadEncoder(options),
};

export const eventsEncoderFactory: StageFactory<EventsEncoder, EventsOptions> = {
  stage: 'Encoder',
  type: 'events',
  description: 'rhythm: performance-RNN stream NOTE_ON p, NOTE_OFF p, TIME_SHIFT n, VELOCITY v',
  options: EVENTS_OPTIONS,
  parseOptions: optionsParser(EVENTS_OPTIONS),
  create: (options) => new EventsEncoder(options),
};

export const rhythmEncoderFactories = [compoundEncoderFactory, multiHeadEncoderFactory, eventsEncoderFactory];
