import { ConfigError, InputError, defineOptions, optionsParser, Sink, SinkWriteOptions, StageFactory, TIMED_TOKEN_SEPARATOR, writeFileAtomic } from '@piano-lstm/core';
import { keyOfPitchName } from '../music21/music21-spelling';
import { writeMidiFile } from '../smf/midi-writer';

export interface SeedMidiOptions {
  /** quarters between consecutive tokens (the notebook: 0.5) */
  step: number;
  /** length of every note in quarters (the notebook relies on music21's default 1.0) */
  noteLength: number;
  /** tempo of the written file in quarter notes per minute (the notebook: 120); `generate --qpm` sets it */
  tempo?: number;
}

const PPQ = 480;
const VELOCITY = 90;
const CHORD_OCTAVE_BASE = 60;

/**
 * The MIDI keys a token stands for, as the notebook's `create_midi()` reads it: a token with a `.` or
 * made only of digits is a chord of pitch classes placed in octave 4 (`4.9` → E4 A4, `11` → B4);
 * anything else is a pitch name (`B-4` → 70).
 */
export function tokenKeys(token: string): number[] {
  if (token.includes(TIMED_TOKEN_SEPARATOR)) {
    throw new InputError(`token '${token}' is a timed token (pitch|gap|duration), which the seed-midi sink cannot place in time; use sink: { type: timed-midi } (for generate --run: --set 'sink={type: timed-midi}')`);
  }
  if (token.includes('.') || /^\d+$/.test(token)) {
    const parts = token.split('.');
    const keys = parts.map((p) => (/^\d+$/.test(p) && Number(p) < 12 ? CHORD_OCTAVE_BASE + Number(p) : NaN));
    if (keys.some(Number.isNaN)) throw new InputError(`token '${token}' is not a chord of pitch classes 0..11 joined by '.'`);
    return keys;
  }
  const key = keyOfPitchName(token);
  if (key === undefined) throw new InputError(`token '${token}' is neither a pitch name (like C#4, B-2) nor a chord (like 0.4.7)`);
  return [key];
}

/** The notebook's writer: one piano track, 120 bpm, 4/4, a token every `step` quarters, velocity 90. */
export function seedMidiBytes(tokens: readonly string[], options: SeedMidiOptions = { step: 0.5, noteLength: 1 }): Uint8Array {
  const length = Math.round(options.noteLength * PPQ);
  const notes = tokens.flatMap((token, i) => tokenKeys(token).map((key) => ({ tick: Math.round(i * options.step * PPQ), length, key, velocity: VELOCITY })));
  return writeMidiFile({ ppq: PPQ, bpm: options.tempo ?? 120, timeSignature: [4, 4], tracks: [{ name: 'Piano', program: 0, notes }] });
}

export class SeedMidiSink implements Sink {
  readonly extension = '.mid';
  constructor(readonly options: SeedMidiOptions) {}

  async write(tokens: readonly string[], outPath: string, options: SinkWriteOptions = {}): Promise<string> {
    writeFileAtomic(outPath, seedMidiBytes(tokens, this.options), { force: options.force });
    return outPath;
  }
}

const SEED_MIDI_OPTIONS = defineOptions({
  step: { type: 'number', default: 0.5, min: 0, minExclusive: true, max: 64, description: 'quarters between consecutive tokens (the notebook: 0.5)' },
  noteLength: { type: 'number', default: 1, min: 0, minExclusive: true, max: 64, description: "length of every note in quarters (the notebook relies on music21's default 1.0)" },
  tempo: { type: 'number', min: 1, max: 1000, defaultText: '120', description: 'tempo of the written file in quarter notes per minute (generate --qpm sets it)' },
});

export const parseSeedMidiOptions = optionsParser(SEED_MIDI_OPTIONS, (o, at): SeedMidiOptions => {
  if (!Number.isFinite(o.step * PPQ)) throw new ConfigError(`${at}.step`, `${o.step} is not a usable step`);
  return o;
});

export const seedMidiSinkFactory: StageFactory<Sink, SeedMidiOptions> = {
  stage: 'Sink',
  type: 'seed-midi',
  description: 'tokens → one piano track, 120 bpm, a token every 0.5 quarter, notes 1 quarter long (the notebook)',
  options: SEED_MIDI_OPTIONS,
  parseOptions: parseSeedMidiOptions,
  create: (options) => new SeedMidiSink(options),
};
