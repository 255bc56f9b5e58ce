import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConfigError,
  Corpus,
  InputError,
  NoteSource,
  OptionReader,
  Piece,
  SkippedFile,
  StageContext,
  StageFactory,
  TimedEvent,
  silentLogger,
  writeFileAtomic,
} from '@piano-lstm/core';
import { BUILTIN_PREFIX, builtinCorpusFiles } from './classical-mini';
import { MidiReadError } from './midi-reader';
import { Music21Options, PART_PATTERN, PartSelection, parseMidiTokens } from './parse-midi-tokens';

export interface Music21SourceOptions extends Music21Options {
  /** Keep parsed tokens in the cache folder keyed by content hash + options. */
  cache: boolean;
}

/** Bump when a change to the parser can change tokens: old cache entries are then ignored. */
export const PARSER_VERSION = 'm21-10.5-r1';

export const MIDI_EXTENSIONS = /\.(mid|midi)$/i;

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
 * The seed's note extractor (`music21` 10.5 + `get_notes()`), reproduced in TypeScript. One bad
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
        skipped.push({
          path: o.path,
          reason: o.emptyFirstPart ? "no notes in music21's first instrument part (part: first)" : 'no pitched notes',
        });
      } else pieces.push({ path: o.path, tokens: o.tokens, events: o.events });
    }
    for (const s of skipped) this.log.warn(`skipped ${s.path}: ${s.reason}`);
    const tokenCount = pieces.reduce((n, p) => n + p.tokens.length, 0);
    this.log.info(`parsed ${pieces.length} files (${tokenCount} tokens, ${cached} from cache), skipped ${skipped.length}`);
    if (emptyFirst > 0) {
      this.log.warn(
        `part: first left ${emptyFirst} of ${outcomes.length} files empty (music21's first instrument part has no notes there, ` +
          `as in the reference); set source.options.part: first-notes to take the first part that has notes`,
      );
    }
    if (pieces.length === 0) {
      const first = skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join('; ');
      const hint = emptyFirst > 0 ? ' (try --set source.options.part=first-notes)' : '';
      throw new InputError(`no usable notes in ${paths.join(', ') || 'the given paths'}: ${skipped.length} file(s) skipped${hint}${first ? ` — ${first}` : ''}`);
    }
    return { pieces, skipped };
  }

  /** Every file under `paths` parsed (or skipped), in path order; folders and missing paths reported in `skipped`. */
  async parseAll(paths: string[]): Promise<{ outcomes: FileOutcome[]; skipped: SkippedFile[] }> {
    const skipped: SkippedFile[] = [];
    const outcomes: FileOutcome[] = [];
    for (const given of paths) {
      if (given.startsWith(BUILTIN_PREFIX)) {
        for (const f of builtinCorpusFiles(given)) outcomes.push(this.parseBytes(f.path, f.bytes));
        continue;
      }
      const abs = path.resolve(this.context.baseDir ?? '.', given);
      const problems: SkippedFile[] = [];
      const files = listMidiFiles(given, abs, problems);
      // path problems stay in argument order among the files' outcomes
      for (const p of problems) outcomes.push({ path: p.path, skip: p.reason, cached: false });
      for (const f of files) {
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(f.abs);
        } catch (e) {
          outcomes.push({ path: f.path, skip: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, cached: false });
          continue;
        }
        outcomes.push(this.parseBytes(f.path, bytes));
      }
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
    return this.context.cacheDir ?? process.env.PIANO_LSTM_CACHE ?? path.resolve('.piano-lstm-cache');
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

/** `.mid`/`.midi` files (any case) under a path, sorted; problems with the path go to `skipped`. */
export function listMidiFiles(given: string, abs: string, skipped: SkippedFile[]): { path: string; abs: string }[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    skipped.push({ path: given, reason: code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${code}` });
    return [];
  }
  if (stat.isFile()) return [{ path: given, abs }];
  if (!stat.isDirectory()) {
    skipped.push({ path: given, reason: 'not a file or folder' });
    return [];
  }
  const out: { path: string; abs: string }[] = [];
  // real paths of the folders walked: a symbolic link back into one (a loop, or a second way in) is not walked again
  const walked = new Set<string>([fs.realpathSync(abs)]);
  const walk = (dirAbs: string, dirShown: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dirAbs, { withFileTypes: true });
    } catch (e) {
      skipped.push({ path: dirShown, reason: `cannot read folder: ${(e as NodeJS.ErrnoException).code}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      // keep the folder exactly as the user typed it, so output paths match the arguments
      const shown = dirShown.endsWith('/') || dirShown.endsWith(path.sep) ? `${dirShown}${ent.name}` : `${dirShown}/${ent.name}`;
      const full = path.join(dirAbs, ent.name);
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try {
          const target = fs.statSync(full);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch {
          if (MIDI_EXTENSIONS.test(ent.name)) skipped.push({ path: shown, reason: `broken symbolic link (it points to ${fs.readlinkSync(full)}, which does not exist)` });
          continue;
        }
      }
      if (isDir) {
        const real = fs.realpathSync(full);
        if (walked.has(real)) continue;
        walked.add(real);
        walk(full, shown);
      } else if (isFile && MIDI_EXTENSIONS.test(ent.name)) out.push({ path: shown, abs: full }); // never a pipe or device: reading one would block
    }
  };
  walk(abs, given);
  if (out.length === 0) skipped.push({ path: given, reason: 'folder holds no .mid or .midi files' });
  return out;
}

export function parseMusic21Options(raw: unknown, at: string): Music21SourceOptions {
  const r = new OptionReader(raw, at);
  const part = r.string('part', { default: 'first' });
  if (!PART_PATTERN.test(part)) {
    throw new ConfigError(r.keyPath('part'), `'${part}' is not a part selection (use first, first-notes, merge, program:<0-127> or track:<n>)`);
  }
  const program = /^program:(\d+)$/.exec(part);
  if (program && Number(program[1]) > 127) throw new ConfigError(r.keyPath('part'), `program ${program[1]} is out of range (0 ≤ program ≤ 127)`);
  const track = /^track:(\d+)$/.exec(part);
  if (track && Number(track[1]) < 1) throw new ConfigError(r.keyPath('part'), `tracks are numbered from 1 (got ${track[1]})`);
  const ties = r.string('ties', { default: 'split', choices: ['split', 'merge'] }) as 'split' | 'merge';
  const cache = r.boolean('cache', { default: true });
  r.done();
  return { part: part as PartSelection, ties, cache };
}

export const music21SourceFactory: StageFactory<NoteSource, Music21SourceOptions> = {
  stage: 'NoteSource',
  type: 'music21',
  description: "MIDI files → music21 10.5's tokens (pitch names, chord normal order); builtin:classical-mini ships a corpus",
  parseOptions: parseMusic21Options,
  create: (options, context) => new Music21NoteSource(options, context),
};
