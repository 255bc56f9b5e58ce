import {
  OptionReader,
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
import { corpusInputs, emptyPieceReason, noUsableNotesError, readPartOption } from './corpus-files';
import { MidiReadError } from './midi-reader';
import { parseTimedNotes, type TimedOptions } from './timed-notes';

export type TimedSourceOptions = TimedOptions;

export type TimedOutcome =
  | { path: string; tokens: string[]; events: TimedEvent[]; zeroDurations: number; emptyFirstPart: boolean }
  | { path: string; skip: string };

/**
 * The rhythm path's NoteSource: per event the seed's pitch/chord token with its onset gap and
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

export function parseTimedOptions(raw: unknown, at: string): TimedSourceOptions {
  const r = new OptionReader(raw, at);
  const part = readPartOption(r);
  const grid = r.int('grid', { default: 12, min: 1, max: 960 });
  const chords = r.string('chords', { default: 'split', choices: ['group', 'split'] }) as TimedOptions['chords'];
  const velocity = r.int('velocity', { default: 0, min: 0, max: 127 });
  r.done();
  return { part, grid, chords, velocity };
}

export const timedSourceFactory: StageFactory<NoteSource, TimedSourceOptions> = {
  stage: 'NoteSource',
  type: 'timed',
  description: 'MIDI files → rhythm-aware tokens pitch|gap|duration[|velocity] on a grid (default 1/12 quarter), with Piece.events',
  parseOptions: parseTimedOptions,
  create: (options, context) => new TimedNoteSource(options, context),
};
