/*
 * Every piece of the other packages that the page runs, in one place: the browser bundle is built
 * from these packages' sources (the same samplers, primers, stateful generation, encoders and MIDI
 * writer as the CLI), never from a second implementation. Deep paths, not package entry points:
 * the entry points also pull in Node-only code (file system, the native LSTM addon).
 */
export { Rng, RUN_DIRS, RUN_FILES, type Encoder, type Logger, type Sampler, type StageFactory } from '@piano-lstm/core';
export { generateTokenIds } from '../../../generator/src/generate-tokens';
export { resolvePrimers } from '../../../generator/src/primers';
export { samplerFactories } from '../../../generator/src/samplers/samplers';
export { modelRegistry } from '../../../model/src/model-module';
export type { EncoderSpec } from '../../../model/src/encoders/token-encoder';
export { registerFastWasmKernels } from '../../../model/src/lstm/fast-wasm-kernels';
export { seedMidiBytes, parseSeedMidiOptions } from '../../../midi-io/src/sinks/seed-midi-sink';
export { timedMidiBytes, parseTimedMidiOptions, eventsFromTimedTokens } from '../../../midi-io/src/sinks/timed-midi-sink';
export { readMidiNotes, type MidiNote } from '../../../midi-io/src/smf/read-midi-notes';
export { pitchName, normalOrderToken } from '../../../midi-io/src/music21/music21-spelling';
// Custom layer classes of saved models (fused LSTM, embeddings, seeded dropout, multi-head): importing
// registers them with tfjs' serialization, so tf.loadLayersModel can build them.
import '../../../model/src/lstm/fused-lstm';
import '../../../model/src/builders/one-hot-embedding';
import '../../../model/src/builders/dropout-noise';
import '../../../model/src/builders/multi-head-layers';
