import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, InputError, defineOptions, type SkippedFile } from '@piano-lstm/core';
import { BUILTIN_PREFIX, builtinCorpusFiles, splitBuiltinSpec } from './builtin-corpora';
import { PART_PATTERN, type PartSelection } from './music21/parse-midi-tokens';

/** What every NoteSource shares: which files a list of paths names, the `part` option, and the messages for empty results. */

/** What counts as a MIDI file in a folder: Standard MIDI Files and karaoke files (.kar, the same format). */
export const MIDI_EXTENSIONS = /\.(mid|midi|kar)$/i;

/**
 * One input of a corpus: a file's bytes, or a path that gave none, with the reason. `listing` marks
 * a problem finding files (the path, a folder or link under it) rather than reading one file;
 * `missing` a given path that does not exist at all (a usage mistake for callers that treat it so).
 */
export type CorpusInput = { path: string; bytes: Uint8Array } | { path: string; reason: string; listing?: true; missing?: true };

/** A problem with a path given to `listMidiFiles`. */
export type PathProblem = SkippedFile & { missing?: true };

/**
 * The files `paths` name, in argument order: `builtin:` corpora (whole, or one file of one), single
 * files and folders walked recursively. Missing, unreadable or empty paths come out as reasons, in
 * their place among the files.
 */
export function* corpusInputs(paths: readonly string[], baseDir = '.'): Generator<CorpusInput> {
  for (const given of paths) {
    if (given.startsWith(BUILTIN_PREFIX)) {
      const files = builtinCorpusFiles(given);
      if (files.length === 0) yield { path: given, reason: `no such file in ${BUILTIN_PREFIX}${splitBuiltinSpec(given).corpus}` };
      yield* files;
      continue;
    }
    const problems: PathProblem[] = [];
    const files = listMidiFiles(given, path.resolve(baseDir, given), problems);
    for (const p of problems) yield { ...p, listing: true };
    for (const f of files) {
      try {
        yield { path: f.path, bytes: fs.readFileSync(f.abs) };
      } catch (e) {
        yield { path: f.path, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
      }
    }
  }
}

/** `.mid`/`.midi`/`.kar` files (any case) under a path, sorted; problems with the path go to `skipped`. The one folder walk of the project (evaluation uses it too). */
export function listMidiFiles(given: string, abs: string, skipped: PathProblem[]): { path: string; abs: string }[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    skipped.push(code === 'ENOENT' ? { path: given, reason: 'no such file or folder', missing: true } : { path: given, reason: `cannot read: ${code}` });
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

/** The `part` option of a NoteSource: `first`, `first-notes`, `merge`, `program:<0-127>` or `track:<n>`. */
/** The `part` option both sources read, declared once. */
export const PART_OPTION = defineOptions({
  part: {
    type: 'string',
    default: 'first',
    rangeText: 'first, first-notes, merge, program:<0-127>, track:<n ≥ 1>',
    description: "first: music21's parts[0] (the notebook's data); first-notes: the first part with notes; program:<n>: GM program n; track:<n>: the n-th MTrk (1-based); merge: every track",
  },
});

/** `part` must name a selection (the declaration only knows it is a string). */
export function checkPartOption(part: string, path: string): PartSelection {
  const at = path ? `${path}.part` : 'part';
  if (!PART_PATTERN.test(part)) {
    throw new ConfigError(at, `'${part}' is not a part selection (use first, first-notes, merge, program:<0-127> or track:<n>)`);
  }
  const program = /^program:(\d+)$/.exec(part);
  if (program && Number(program[1]) > 127) throw new ConfigError(at, `program ${program[1]} is out of range (0 ≤ program ≤ 127)`);
  const track = /^track:(\d+)$/.exec(part);
  if (track && Number(track[1]) < 1) throw new ConfigError(at, `tracks are numbered from 1 (got ${track[1]})`);
  return part as PartSelection;
}

/** Why a file that parsed gave no tokens. */
export function emptyPieceReason(emptyFirstPart: boolean): string {
  return emptyFirstPart ? "no notes in music21's first instrument part (part: first)" : 'no pitched notes';
}

/**
 * The one summary line for files that parsed but gave no tokens, naming the option that would
 * help: with `part: first` (music21's literal first part, often an empty instrument) that is
 * `part=first-notes`; otherwise the files hold no pitched notes at all (drums only, or empty).
 */
export function emptyFilesSummary(empty: number, total: number, emptyFirst: number): string | undefined {
  if (empty === 0) return undefined;
  if (emptyFirst > 0) {
    return `${empty} of ${total} files gave no tokens: ${emptyFirst === empty ? 'their' : `${emptyFirst} of them have a`} first part ${emptyFirst === empty ? 'has' : 'with'} no notes (try --set source.options.part=first-notes)`;
  }
  return `${empty} of ${total} files gave no tokens: they hold no pitched notes (drums on channel 10 never give tokens)`;
}

/** Nothing usable in the whole corpus: say how many files were skipped, the first reasons, and the likely fix. */
export function noUsableNotesError(paths: readonly string[], skipped: readonly SkippedFile[], emptyFirst: number): InputError {
  const first = skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join('; ');
  const hint = emptyFirst > 0 ? ' (try --set source.options.part=first-notes)' : '';
  return new InputError(`no usable notes in ${paths.join(', ') || 'the given paths'}: ${skipped.length} file(s) skipped${hint}${first ? ` — ${first}` : ''}`);
}
