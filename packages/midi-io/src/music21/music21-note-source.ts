import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Corpus,
  NoteSource,
  Piece,
  SkippedFile,
  StageContext,
  StageFactory,
  TimedEvent,
  defineOptions,
  optionsParser,
  silentLogger,
  writeFileAtomic,
  plural,
  defaultCacheDir,
} from '@piano-lstm/core';
import { checkPartOption, corpusInputs, emptyFilesSummary, emptyPieceReason, noUsableNotesError, PART_OPTION } from '../corpus-files';
import { MidiReadError } from '../smf/midi-reader';
import { Music21Options, parseMidiTokens } from './parse-midi-tokens';

export interface Music21SourceOptions extends Music21Options {
  /** Keep parsed tokens in the cache folder keyed by content hash + options. */
  cache: boolean;
}

/** Bump when a change to the parser can change tokens: old cache entries are then ignored. */
export const PARSER_VERSION = 'm21-10.5-r2';


interface CacheEntry {
  v: string;
  tokens?: string[];
  offsets?: number[];
  durations?: number[];
  skip?: string;
  emptyFirst?: boolean;
}

/** One input file's outcome. */
export type FileOutcome =
  | { path: string; tokens: string[]; events: TimedEvent[]; emptyFirstPart: boolean; cached: boolean }
  | { path: string; skip: string; cached: boolean };

/**
 * The notebook's note extractor (`music21` 10.5 + `get_notes()`), reproduced in TypeScript. One bad
 * file never stops a corpus: it becomes a `SkippedFile` with a one-line reason.
 */
export class Music21NoteSource implements NoteSource {
  private readonly log;
  constructor(
    readonly options: Music21SourceOptions,
    private readonly context: Partial<StageContext> = {},
  ) {
    this.log = context.log ?? silentLogger;
  }

  async load(paths: string[]): Promise<Corpus> {
    const { outcomes, skipped: unreadable } = await this.parseAll(paths);
    const pieces: Piece[] = [];
    const skipped: SkippedFile[] = [...unreadable];
    let emptyFirst = 0;
    let cached = 0;
    for (const o of outcomes) {
      if (o.cached) cached++;
      if ('skip' in o) skipped.push({ path: o.path, reason: o.skip });
      else if (o.tokens.length === 0) {
        if (o.emptyFirstPart) emptyFirst++;
        skipped.push({ path: o.path, reason: emptyPieceReason(o.emptyFirstPart) });
      } else pieces.push({ path: o.path, tokens: o.tokens, events: o.events });
    }
    for (const s of skipped) this.log.warn(`skipped ${s.path}: ${s.reason}`);
    const tokenCount = pieces.reduce((n, p) => n + p.tokens.length, 0);
    this.log.info(`parsed ${plural(pieces.length, 'file')} (${tokenCount} tokens, ${cached} from cache), skipped ${skipped.length}`);
    const empty = outcomes.filter((o) => !('skip' in o) && o.tokens.length === 0).length;
    const summary = emptyFilesSummary(empty, outcomes.length, emptyFirst);
    if (summary) this.log.warn(summary);
    if (pieces.length === 0) throw noUsableNotesError(paths, skipped, emptyFirst);
    return { pieces, skipped };
  }

  /** Every file under `paths` parsed (or skipped), in path order; folders and missing paths reported in `skipped`. */
  async parseAll(paths: string[]): Promise<{ outcomes: FileOutcome[]; skipped: SkippedFile[] }> {
    const skipped: SkippedFile[] = [];
    const outcomes: FileOutcome[] = [];
    for (const input of corpusInputs(paths, this.context.baseDir)) {
      outcomes.push('reason' in input ? { path: input.path, skip: input.reason, cached: false } : this.parseBytes(input.path, input.bytes));
    }
    return { outcomes, skipped };
  }

  /** One file's tokens, from the cache when its content and the options were seen before. */
  parseBytes(displayPath: string, bytes: Uint8Array): FileOutcome {
    const cacheFile = this.cacheFile(bytes);
    if (cacheFile) {
      const hit = readCache(cacheFile);
      if (hit) {
        if (hit.skip !== undefined) return { path: displayPath, skip: hit.skip, cached: true };
        const tokens = hit.tokens ?? [];
        const events = tokens.map((token, i) => ({ token, offset: hit.offsets![i], duration: hit.durations![i] }));
        return { path: displayPath, tokens, events, emptyFirstPart: !!hit.emptyFirst, cached: true };
      }
    }
    let outcome: FileOutcome;
    let entry: CacheEntry;
    try {
      const r = parseMidiTokens(bytes, { part: this.options.part, ties: this.options.ties });
      outcome = { path: displayPath, tokens: r.tokens, events: r.events, emptyFirstPart: r.emptyFirstPart, cached: false };
      entry = {
        v: PARSER_VERSION,
        tokens: r.tokens,
        offsets: r.events.map((e) => e.offset),
        durations: r.events.map((e) => e.duration),
        emptyFirst: r.emptyFirstPart,
      };
    } catch (e) {
      if (!(e instanceof MidiReadError)) {
        // A bug of ours must not stop the corpus either; the reason names it for a report.
        const reason = `internal parser error (${e instanceof Error ? e.message : String(e)}); please report this file`;
        return { path: displayPath, skip: reason, cached: false };
      }
      outcome = { path: displayPath, skip: e.reason, cached: false };
      entry = { v: PARSER_VERSION, skip: e.reason };
    }
    if (cacheFile) {
      try {
        writeFileAtomic(cacheFile, JSON.stringify(entry), { force: true });
      } catch (e) {
        this.log.debug(`token cache not written (${(e as Error).message})`);
      }
    }
    return outcome;
  }

  private cacheDir(): string {
    return this.context.cacheDir ?? defaultCacheDir();
  }

  private cacheFile(bytes: Uint8Array): string | undefined {
    if (!this.options.cache) return undefined;
    const h = createHash('sha256').update(bytes).update(`\0${PARSER_VERSION}\0${this.options.part}\0${this.options.ties}`).digest('hex');
    return path.join(this.cacheDir(), 'music21-tokens', h.slice(0, 2), `${h.slice(2)}.json`);
  }
}

function readCache(file: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheEntry;
    if (entry.v !== PARSER_VERSION) return undefined;
    if (entry.skip === undefined && (!Array.isArray(entry.tokens) || entry.offsets?.length !== entry.tokens.length)) return undefined;
    return entry;
  } catch {
    return undefined;
  }
}

// The defaults are what every shipped config uses (the notebook's data); `part: first, ties: split`
// is the reference-literal behaviour, one option away.
const MUSIC21_OPTIONS = {
  ...defineOptions({ part: { ...PART_OPTION.part, default: 'first-notes' } }),
  ...defineOptions({
    ties: { type: 'string', default: 'merge', choices: ['split', 'merge'], description: 'merge: one token per note; split: a note held across a bar line gives one token per tied piece (the reference)' },
    cache: { type: 'boolean', default: true, description: 'keep tokens per file in <cacheDir>/music21-tokens/, keyed by SHA-256 of the bytes + options + parser version' },
  }),
};

export const parseMusic21Options = optionsParser(MUSIC21_OPTIONS, (o, at): Music21SourceOptions => ({ ...o, part: checkPartOption(o.part, at) }));

export const music21SourceFactory: StageFactory<NoteSource, Music21SourceOptions> = {
  stage: 'NoteSource',
  type: 'music21',
  description: "MIDI files → music21 10.5's tokens (pitch names, chord normal order); builtin:classical-mini and builtin:piano ship corpora",
  options: MUSIC21_OPTIONS,
  parseOptions: parseMusic21Options,
  create: (options, context) => new Music21NoteSource(options, context),
};
