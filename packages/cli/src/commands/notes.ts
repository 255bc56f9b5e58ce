
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { Container } from 'inversify';
import { ConfigError, InputError, isNamedCorpus, NoteSource, plural, Rng, SkippedFile, StageFactory, StageRegistry, writeFileAtomic } from '@piano-lstm/core';
import { Music21NoteSource, emptyFilesSummary, midiIoModule } from '@piano-lstm/midi-io';
import { cacheDir, collect, consoleLogger } from '../app';
import type { CommandKit } from '../command-kit';
import { createContainer } from '../container';

interface NotesOptions {
  source: string;
  set: string[];
  out?: string;
  force?: boolean;
}

export interface NotesResult {
  files: { path: string; tokens: string[] }[];
  skipped: SkippedFile[];
}

export function registerNotes(program: Command, kit: CommandKit): void {
  program
    .command('notes <paths...>')
    .description('parse MIDI files or folders (walked recursively) into tokens: {"files":[{path,tokens}],"skipped":[{path,reason}]}')
    .option('--source <type>', 'NoteSource type', 'music21')
    .option('--set <key=value>', 'source option (music21 defaults: part=first-notes, ties=merge; the reference-literal: source.options.part=first source.options.ties=split)', collect, [])
    .option('--out <file>', 'write the JSON here instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .action(
      kit.action(async (paths: string[], opts: NotesOptions) => {
        requireInputPaths(paths);
        const log = consoleLogger(kit.io, kit.verbose());
        const result = await notes(paths, opts, log);
        const json = JSON.stringify(result);
        if (opts.out) {
          writeFileAtomic(opts.out, `${json}\n`, { force: opts.force });
          log.info(`wrote ${opts.out}: ${plural(result.files.length, 'file')}, ${result.skipped.length} skipped`);
        } else kit.io.out(json);
        return result.files.length > 0 ? 0 : 1;
      }),
    );
}

/** Parses `paths` with the chosen NoteSource; bad files are listed in `skipped`, never thrown. */
export async function notes(paths: string[], opts: Pick<NotesOptions, 'source' | 'set'>, log = consoleLogger()): Promise<NotesResult> {
  const registry = registryFor(opts.source);
  const factory = registry.get<NoteSource>('NoteSource', opts.source, '--source');
  const options = factory.parseOptions(sourceOptions(opts.set), 'source.options');
  const context = { rng: new Rng(0).fork('NoteSource'), log, baseDir: process.cwd(), cacheDir: cacheDir() };
  const source = factory.create(options, context);
  if (source instanceof Music21NoteSource) {
    // every parsed file is listed, empty ones too (the reference's answer for them is [])
    const { outcomes, skipped } = await source.parseAll(paths);
    const files: NotesResult['files'] = [];
    const all: SkippedFile[] = [...skipped];
    let emptyFirst = 0;
    let empty = 0;
    for (const o of outcomes) {
      if ('skip' in o) all.push({ path: o.path, reason: o.skip });
      else {
        files.push({ path: o.path, tokens: o.tokens });
        if (o.tokens.length === 0) empty++;
        if (o.emptyFirstPart) emptyFirst++;
      }
    }
    for (const s of all) log.warn(`skipped ${s.path}: ${s.reason}`);
    const summary = emptyFilesSummary(empty, files.length, emptyFirst);
    if (summary) log.warn(summary);
    return { files, skipped: all };
  }
  try {
    const corpus = await source.load(paths);
    return { files: corpus.pieces.map((p) => ({ path: p.path, tokens: p.tokens })), skipped: corpus.skipped };
  } catch (e) {
    if (e instanceof InputError) return { files: [], skipped: paths.map((p) => ({ path: p, reason: e.message })) };
    throw e;
  }
}

/** A path that does not exist is a usage mistake (exit 2), as for evaluate and run; unreadable files inside are only skipped. */
function requireInputPaths(paths: readonly string[]): void {
  for (const p of paths) {
    if (!isNamedCorpus(p) && !fs.existsSync(p)) throw new InputError(`${p}: no such file or folder (give MIDI files, folders of them, or builtin:classical-mini)`, { file: p });
  }
}

/** midi-io alone for the built-in type keeps `notes` fast (no model packages, no tfjs). */
function registryFor(type: string): StageRegistry {
  if (type === 'music21') {
    const c = new Container();
    c.loadSync(midiIoModule);
    const registry = new StageRegistry();
    for (const f of c.getAll<StageFactory>(StageFactory)) registry.register(f);
    return registry;
  }
  return createContainer().get(StageRegistry);
}

/** `--set source.options.part=first-notes` → `{ part: 'first-notes' }`. */
export function sourceOptions(sets: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    const key = eq < 0 ? s : s.slice(0, eq);
    if (eq < 0 || !key.startsWith('source.options.') || key.length <= 'source.options.'.length) {
      throw new ConfigError('--set', `'${s}' must look like source.options.<name>=<value> (e.g. source.options.part=first-notes)`);
    }
    const raw = s.slice(eq + 1);
    out[key.slice('source.options.'.length)] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

