import {
  defineOptions,
  optionsParser,
  silentLogger,
  type Corpus,
  type NoteSource,
  type Piece,
  type SkippedFile,
  type StageContext,
  type StageFactory,
  type TimedEvent,
  plural,
} from '@piano-lstm/core';
import { checkPartOption, corpusInputs, emptyPieceReason, noUsableNotesError, PART_OPTION } from '../corpus-files';
import { MidiReadError } from '../smf/midi-reader';
import { parseTimedNotes, type TimedOptions } from './timed-notes';

export type TimedSourceOptions = TimedOptions;

export type TimedOutcome =
  | { path: string; tokens: string[]; events: TimedEvent[]; zeroDurations: number; emptyFirstPart: boolean }
  | { path: string; skip: string };

/**
 * The rhythm path's NoteSource: per event the notebook's pitch/chord token with its onset gap and
 * duration on a grid (`C4|1/2|1`), and `Piece.events` in quarters. Parsing is fast enough
 * (hundreds of files a second) that it keeps no cache.
 */
export class TimedNoteSource implements NoteSource {
  private readonly log;
  constructor(
    readonly options: TimedSourceOptions,
    private readonly context: Partial<StageContext> = {},
  ) {
    this.log = context.log ?? silentLogger;
  }

  async load(paths: string[]): Promise<Corpus> {
    const pieces: Piece[] = [];
    const skipped: SkippedFile[] = [];
    let emptyFirst = 0;
    let zero = 0;
    const outcomes = this.parseAll(paths);
    for (const o of outcomes) {
      if ('skip' in o) skipped.push({ path: o.path, reason: o.skip });
      else if (o.tokens.length === 0) {
        if (o.emptyFirstPart) emptyFirst++;
        skipped.push({ path: o.path, reason: emptyPieceReason(o.emptyFirstPart) });
      } else {
        zero += o.zeroDurations;
        pieces.push({ path: o.path, tokens: o.tokens, events: o.events });
      }
    }
    for (const s of skipped) this.log.warn(`skipped ${s.path}: ${s.reason}`);
    const n = pieces.reduce((a, p) => a + p.tokens.length, 0);
    this.log.info(`parsed ${plural(pieces.length, 'file')} (${n} timed events on a 1/${this.options.grid}-quarter grid), skipped ${skipped.length}`);
    if (zero > 0) this.log.info(`${zero} notes shorter than half a grid step were given one step`);
    if (pieces.length === 0) throw noUsableNotesError(paths, skipped, emptyFirst);
    return { pieces, skipped };
  }

  /** Every file under `paths`, parsed or skipped with a reason, in path order. */
  parseAll(paths: string[]): TimedOutcome[] {
    const out: TimedOutcome[] = [];
    for (const input of corpusInputs(paths, this.context.baseDir)) {
      out.push('reason' in input ? { path: input.path, skip: input.reason } : this.parseBytes(input.path, input.bytes));
    }
    return out;
  }

  parseBytes(displayPath: string, bytes: Uint8Array): TimedOutcome {
    try {
      return { path: displayPath, ...parseTimedNotes(bytes, this.options) };
    } catch (e) {
      if (e instanceof MidiReadError) return { path: displayPath, skip: e.reason };
      return { path: displayPath, skip: `internal parser error (${e instanceof Error ? e.message : String(e)}); please report this file` };
    }
  }
}

const TIMED_SOURCE_OPTIONS = {
  ...PART_OPTION,
  ...defineOptions({
    grid: { type: 'int', default: 12, min: 1, max: 960, description: 'steps per quarter (12 holds sixteenths and eighth triplets)' },
    chords: {
      type: 'string',
      default: 'split',
      choices: ['group', 'split'],
      description: "split: one event per note, lowest first, gap 0 inside a chord; group: notes struck together with one duration become the notebook's chord token",
    },
    velocity: { type: 'int', default: 0, min: 0, max: 127, description: 'number of velocity buckets (0: no velocity in the tokens); a bucket is written as its middle value' },
  }),
};

export const parseTimedOptions = optionsParser(TIMED_SOURCE_OPTIONS, (o, at): TimedSourceOptions => ({ ...o, part: checkPartOption(o.part, at) }));

export const timedSourceFactory: StageFactory<NoteSource, TimedSourceOptions> = {
  stage: 'NoteSource',
  type: 'timed',
  description: 'MIDI files → rhythm-aware tokens pitch|gap|duration[|velocity] on a grid (default 1/12 quarter), with Piece.events',
  options: TIMED_SOURCE_OPTIONS,
  parseOptions: parseTimedOptions,
  create: (options, context) => new TimedNoteSource(options, context),
};
