import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConfigError,
  InputError,
  OptionReader,
  silentLogger,
  type Corpus,
  type NoteSource,
  type Piece,
  type SkippedFile,
  type StageContext,
  type StageFactory,
  type TimedEvent,
} from '@piano-lstm/core';
import { BUILTIN_PREFIX, builtinCorpusFiles } from './classical-mini';
import { MidiReadError } from './midi-reader';
import { listMidiFiles } from './music21-note-source';
import { PART_PATTERN, type PartSelection } from './parse-midi-tokens';
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
        skipped.push({ path: o.path, reason: o.emptyFirstPart ? "no notes in music21's first instrument part (part: first)" : 'no pitched notes' });
      } else {
        zero += o.zeroDurations;
        pieces.push({ path: o.path, tokens: o.tokens, events: o.events });
      }
    }
    for (const s of skipped) this.log.warn(`skipped ${s.path}: ${s.reason}`);
    const n = pieces.reduce((a, p) => a + p.tokens.length, 0);
    this.log.info(`parsed ${pieces.length} files (${n} timed events on a 1/${this.options.grid}-quarter grid), skipped ${skipped.length}`);
    if (zero > 0) this.log.info(`${zero} notes shorter than half a grid step were given one step`);
    if (pieces.length === 0) {
      const first = skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join('; ');
      const hint = emptyFirst > 0 ? ' (try --set source.options.part=first-notes)' : '';
      throw new InputError(`no usable notes in ${paths.join(', ') || 'the given paths'}: ${skipped.length} file(s) skipped${hint}${first ? ` — ${first}` : ''}`);
    }
    return { pieces, skipped };
  }

  /** Every file under `paths`, parsed or skipped with a reason, in path order. */
  parseAll(paths: string[]): TimedOutcome[] {
    const out: TimedOutcome[] = [];
    for (const given of paths) {
      if (given.startsWith(BUILTIN_PREFIX)) {
        for (const f of builtinCorpusFiles(given)) out.push(this.parseBytes(f.path, f.bytes));
        continue;
      }
      const problems: SkippedFile[] = [];
      const files = listMidiFiles(given, path.resolve(this.context.baseDir ?? '.', given), problems);
      for (const p of problems) out.push({ path: p.path, skip: p.reason });
      for (const f of files) {
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(f.abs);
        } catch (e) {
          out.push({ path: f.path, skip: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
          continue;
        }
        out.push(this.parseBytes(f.path, bytes));
      }
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
  const part = r.string('part', { default: 'first' });
  if (!PART_PATTERN.test(part)) {
    throw new ConfigError(r.keyPath('part'), `'${part}' is not a part selection (use first, first-notes, merge, program:<0-127> or track:<n>)`);
  }
  const program = /^program:(\d+)$/.exec(part);
  if (program && Number(program[1]) > 127) throw new ConfigError(r.keyPath('part'), `program ${program[1]} is out of range (0 ≤ program ≤ 127)`);
  const track = /^track:(\d+)$/.exec(part);
  if (track && Number(track[1]) < 1) throw new ConfigError(r.keyPath('part'), `tracks are numbered from 1 (got ${track[1]})`);
  const grid = r.int('grid', { default: 12, min: 1, max: 960 });
  const chords = r.string('chords', { default: 'split', choices: ['group', 'split'] }) as TimedOptions['chords'];
  const velocity = r.int('velocity', { default: 0, min: 0, max: 127 });
  r.done();
  return { part: part as PartSelection, grid, chords, velocity };
}

export const timedSourceFactory: StageFactory<NoteSource, TimedSourceOptions> = {
  stage: 'NoteSource',
  type: 'timed',
  description: 'MIDI files → rhythm-aware tokens pitch|gap|duration[|velocity] on a grid (default 1/12 quarter), with Piece.events',
  parseOptions: parseTimedOptions,
  create: (options, context) => new TimedNoteSource(options, context),
};
