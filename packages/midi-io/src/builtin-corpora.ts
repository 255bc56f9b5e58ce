/**
 * The corpora a path names with `builtin:<name>`: classical-mini (made here from a seeded Rng) and
 * piano (the `@piano-lstm/corpus-piano` data package). `builtin:<name>/<file>` names one of their
 * files, the way corpus.json lists them, so a run's corpus can be read back file by file.
 */
import { InputError } from '@piano-lstm/core';
import { CLASSICAL_MINI, classicalMiniBytes, classicalMiniNames } from './classical-mini';
import { PIANO, pianoBytes, pianoNames } from './piano-corpus';

export const BUILTIN_PREFIX = 'builtin:';

interface BuiltinCorpus {
  names(): string[];
  bytes(name: string): Uint8Array;
}

const CORPORA = new Map<string, BuiltinCorpus>([
  [CLASSICAL_MINI, { names: classicalMiniNames, bytes: classicalMiniBytes }],
  [PIANO, { names: pianoNames, bytes: pianoBytes }],
]);

/** `builtin:classical-mini`, `builtin:piano`: every name a path may use. */
export function builtinCorpusNames(): string[] {
  return [...CORPORA.keys()].map((name) => `${BUILTIN_PREFIX}${name}`);
}

/** `builtin:<name>[/<file>]` → the corpus name and the file ('' for the whole corpus). */
export function splitBuiltinSpec(spec: string): { corpus: string; file: string } {
  const rest = spec.slice(BUILTIN_PREFIX.length).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  return slash < 0 ? { corpus: rest, file: '' } : { corpus: rest.slice(0, slash), file: rest.slice(slash + 1) };
}

/**
 * The files a built-in spec names, as MIDI bytes with display paths (`builtin:piano/bach_846.mid`):
 * the whole corpus for `builtin:<name>`, one file for `builtin:<name>/<file>` (none when it has no
 * such file). An unknown corpus is an InputError listing the known ones.
 */
export function builtinCorpusFiles(spec: string): { path: string; bytes: Uint8Array }[] {
  const { corpus, file } = splitBuiltinSpec(spec);
  const found = CORPORA.get(corpus);
  if (!found) throw new InputError(`unknown built-in corpus '${spec}' (known: ${builtinCorpusNames().join(', ')})`);
  const names = found.names();
  const chosen = file ? names.filter((n) => n === file) : names;
  return chosen.map((name) => ({ path: `${BUILTIN_PREFIX}${corpus}/${name}`, bytes: found.bytes(name) }));
}
