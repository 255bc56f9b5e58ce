import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InputError,
  defineOptions,
  optionsParser,
  parseTimedToken,
  writeFileAtomic,
  type Sink,
  type SinkWriteOptions,
  type StageContext,
  type StageFactory,
  type TimedEvent,
} from '@piano-lstm/core';
import { writeMidiFile } from '../smf/midi-writer';
import { readMidiNotes } from '../smf/read-midi-notes';
import { tokenKeys } from './seed-midi-sink';

export interface TimedMidiOptions {
  /** Beats per minute written in the file. */
  tempo: number;
  /**
   * `primer` (default): the first tempo of the MIDI primer when generation was primed with one, else
   * `tempo`; `tempo`: always `tempo`; anything else: a MIDI file whose first tempo is used (resolved
   * against the YAML's folder).
   */
  tempoFrom: string;
  /** For events that carry none. */
  velocity: number;
  /** GM program of the track (0: acoustic grand). */
  program: number;
}

const PPQ = 480;

/** Notes as they will sound: keys, onset and duration in ticks, velocity. */
export interface TimedNote {
  key: number;
  ticks: number;
  durationTicks: number;
  velocity: number;
}

/**
 * Timed events → notes. A chord token (`0.4.7`) sounds in octave 4 as in the notebook; a key struck
 * again while still held is released at the new onset (a piano cannot hold one key twice), and a
 * duration under one tick is raised to one tick — each such fix is counted in `fixed`.
 */
export function timedNotes(events: readonly TimedEvent[], defaultVelocity: number): { notes: TimedNote[]; fixed: number } {
  let fixed = 0;
  const notes: TimedNote[] = [];
  for (const e of events) {
    const ticks = Math.max(0, Math.round(e.offset * PPQ));
    let durationTicks = Math.round(e.duration * PPQ);
    if (!(durationTicks >= 1)) {
      durationTicks = 1;
      fixed++;
    }
    const velocity = Math.min(127, Math.max(1, Math.round(e.velocity ?? defaultVelocity)));
    for (const key of tokenKeys(e.token)) notes.push({ key, ticks, durationTicks, velocity });
  }
  notes.sort((a, b) => a.ticks - b.ticks || a.key - b.key);
  const open = new Map<number, TimedNote>();
  const kept: TimedNote[] = [];
  for (const n of notes) {
    const held = open.get(n.key);
    if (held && held.ticks + held.durationTicks > n.ticks) {
      fixed++;
      if (held.ticks === n.ticks) {
        // the same key struck twice at once: one sound, the longer one
        held.durationTicks = Math.max(held.durationTicks, n.durationTicks);
        continue;
      }
      held.durationTicks = n.ticks - held.ticks;
    }
    open.set(n.key, n);
    kept.push(n);
  }
  return { notes: kept, fixed };
}

/** `pitch|gap|duration[|velocity]` tokens → events with absolute offsets; other tokens are an error naming them. */
export function eventsFromTimedTokens(tokens: readonly string[]): TimedEvent[] {
  let at = 0;
  return tokens.map((token, i) => {
    const t = parseTimedToken(token);
    if (!t) {
      throw new InputError(
        `timed-midi: token ${i + 1} '${token}' is not a timed token pitch|gap|duration (use a rhythm encoder — compound, multi-head, events — or the seed-midi sink)`,
      );
    }
    at += t.gap;
    return { token: t.pitch, offset: at, duration: t.duration, ...(t.velocity !== undefined ? { velocity: t.velocity } : {}) };
  });
}

export function timedMidiBytes(events: readonly TimedEvent[], options: Omit<TimedMidiOptions, 'tempoFrom'>): { bytes: Uint8Array; fixed: number } {
  const { notes, fixed } = timedNotes(events, options.velocity);
  const track = { name: 'Piano', program: options.program, notes: notes.map((n) => ({ tick: n.ticks, length: n.durationTicks, key: n.key, velocity: n.velocity })) };
  return { bytes: writeMidiFile({ ppq: PPQ, bpm: options.tempo, timeSignature: [4, 4], tracks: [track] }), fixed };
}

/** Writes onsets, durations and velocities as generated: the rhythm path's Sink. */
export class TimedMidiSink implements Sink {
  readonly extension = '.mid';
  private readonly tempo: number;

  constructor(
    readonly options: TimedMidiOptions,
    context: Partial<StageContext> = {},
  ) {
    const from = options.tempoFrom;
    this.tempo = from === 'primer' || from === 'tempo' ? options.tempo : tempoOf(path.resolve(context.baseDir ?? '.', from), options.tempo);
  }

  async write(tokens: readonly string[], outPath: string, options: SinkWriteOptions = {}): Promise<string> {
    const events = options.events ?? eventsFromTimedTokens(tokens);
    const tempo = this.options.tempoFrom === 'primer' && options.primerFile ? tempoOf(options.primerFile, this.tempo) : this.tempo;
    const { bytes } = timedMidiBytes(events, { ...this.options, tempo });
    writeFileAtomic(outPath, bytes, { force: options.force });
    return outPath;
  }
}

/** The first tempo of a MIDI file in bpm (`fallback` when it sets none). */
function tempoOf(file: string, fallback: number): number {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new InputError(`tempo: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)}); give an existing MIDI file or remove the option`, { file });
  }
  try {
    const first = readMidiNotes(bytes).tempos[0];
    return first ? Math.round((60_000_000 / first.usPerQuarter) * 1000) / 1000 : fallback;
  } catch (e) {
    throw new InputError(`tempo: ${file} is not a readable MIDI file (${(e as { reason?: string }).reason ?? (e as Error).message})`, { file });
  }
}

const TIMED_MIDI_OPTIONS = defineOptions({
  tempo: { type: 'number', default: 120, min: 1, max: 1000, description: 'beats per minute' },
  tempoFrom: {
    type: 'string',
    default: 'primer',
    rangeText: 'primer, tempo, or a MIDI file',
    description: "primer: the MIDI primer's first tempo when there is one, else tempo; tempo: always tempo; a path: that MIDI file's first tempo (relative to the YAML)",
  },
  velocity: { type: 'int', default: 90, min: 1, max: 127, description: 'for events without a velocity' },
  program: { type: 'int', default: 0, min: 0, max: 127, description: 'GM program of the track' },
});

export const parseTimedMidiOptions: (raw: unknown, at: string) => TimedMidiOptions = optionsParser(TIMED_MIDI_OPTIONS);

export const timedMidiSinkFactory: StageFactory<Sink, TimedMidiOptions> = {
  stage: 'Sink',
  type: 'timed-midi',
  description: 'timed events → one piano track with the generated onsets, durations and velocities (tempo from the MIDI primer, the tempo option or a file)',
  options: TIMED_MIDI_OPTIONS,
  parseOptions: parseTimedMidiOptions,
  create: (options, context) => new TimedMidiSink(options, context),
};
