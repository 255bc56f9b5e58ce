import { ContainerModule } from 'inversify';
import { StageFactory } from '@piano-lstm/core';
import { music21SourceFactory } from './music21/music21-note-source';
import { seedMidiSinkFactory } from './sinks/seed-midi-sink';
import { timedSourceFactory } from './timed/timed-note-source';
import { timedMidiSinkFactory } from './sinks/timed-midi-sink';

export { readMidiFile, MidiReadError, DEFAULT_READ_LIMITS, MUSIC21_DEFAULT_PPQ } from './smf/midi-reader';
export type { MidiFileData, MidiTrackData, MidiEvent, ReadLimits } from './smf/midi-reader';
export { readMidiNotes } from './smf/read-midi-notes';
export type { MidiNote, MidiNotes } from './smf/read-midi-notes';
export { parseMidiTokens, DEFAULT_MUSIC21_OPTIONS } from './music21/parse-midi-tokens';
export type { Music21Options, ParsedTokens, PartSelection } from './music21/parse-midi-tokens';
export { pitchName, keyOfPitchName, normalOrderToken } from './music21/music21-spelling';
export { Music21NoteSource, music21SourceFactory, parseMusic21Options, PARSER_VERSION } from './music21/music21-note-source';
export { listMidiFiles, corpusInputs, MIDI_EXTENSIONS, emptyFilesSummary } from './corpus-files';
export type { CorpusInput, PathProblem } from './corpus-files';
export type { Music21SourceOptions, FileOutcome } from './music21/music21-note-source';
export { SeedMidiSink, seedMidiSinkFactory, seedMidiBytes, tokenKeys, parseSeedMidiOptions } from './sinks/seed-midi-sink';
export type { SeedMidiOptions } from './sinks/seed-midi-sink';
export { writeMidiFile } from './smf/midi-writer';
export type { SongSpec, TrackSpec, NoteSpec } from './smf/midi-writer';
export { parseTimedNotes, bucket as velocityBucket, DEFAULT_TIMED_OPTIONS } from './timed/timed-notes';
export type { TimedOptions, TimedParse } from './timed/timed-notes';
export { TimedNoteSource, timedSourceFactory, parseTimedOptions } from './timed/timed-note-source';
export type { TimedSourceOptions, TimedOutcome } from './timed/timed-note-source';
export { TimedMidiSink, timedMidiSinkFactory, timedMidiBytes, timedNotes, eventsFromTimedTokens, parseTimedMidiOptions } from './sinks/timed-midi-sink';
export type { TimedMidiOptions, TimedNote } from './sinks/timed-midi-sink';
export { classicalMiniPieces, CLASSICAL_MINI } from './classical-mini';
export { builtinCorpusFiles, builtinCorpusNames, BUILTIN_PREFIX } from './builtin-corpora';
export { pianoPieces, PIANO } from './piano-corpus';
export type { PianoPiece } from './piano-corpus';

/** Registers the `music21` and `timed` NoteSources and the `seed-midi` and `timed-midi` Sinks. */
export const midiIoModule = new ContainerModule(({ bind }) => {
  bind(StageFactory).toConstantValue(music21SourceFactory);
  bind(StageFactory).toConstantValue(seedMidiSinkFactory);
  bind(StageFactory).toConstantValue(timedSourceFactory);
  bind(StageFactory).toConstantValue(timedMidiSinkFactory);
});
