export { readMidiFile, MidiReadError, DEFAULT_READ_LIMITS, MUSIC21_DEFAULT_PPQ } from './midi-reader';
export type { MidiFileData, MidiTrackData, MidiEvent, ReadLimits } from './midi-reader';
export { readMidiNotes } from './read-midi-notes';
export type { MidiNote, MidiNotes } from './read-midi-notes';
export { parseMidiTokens, DEFAULT_MUSIC21_OPTIONS } from './parse-midi-tokens';
export type { Music21Options, ParsedTokens, PartSelection } from './parse-midi-tokens';
export { pitchName, keyOfPitchName, normalOrderToken } from './music21-spelling';
