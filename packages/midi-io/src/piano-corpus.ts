/**
 * `builtin:piano`: 59 solo piano pieces (piano-midi.de, Mutopia Project) from the data package
 * `@piano-lstm/corpus-piano`, which carries the MIDI files, their per-file licence and attribution
 * (`pieces.json`) and no code. midi-io depends on it, so the shipped configs run from any install;
 * it is still looked up at first use, so that a tree without it fails with one line saying how to
 * install it rather than at import time for every command.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';

export const PIANO = 'piano';
const PACKAGE = '@piano-lstm/corpus-piano';

/** One piece of the corpus as `pieces.json` describes it. */
export interface PianoPiece {
  file: string;
  composer: string;
  title: string;
  /** licence id as in SOURCES.md: CC-BY-SA-3.0-DE, CC-BY-SA-3.0, CC-BY-SA-2.5, CC-BY-SA, MutopiaBSD, PD */
  licence: string;
  licence_url: string;
  attribution: string;
  source: { repo: string; path: string; commit: string; blob: string };
  source_url: string;
}

let memo: { dir: string; pieces: PianoPiece[] } | undefined;

/** The data package's folder and its pieces, read once. */
function pianoPackage(): { dir: string; pieces: PianoPiece[] } {
  if (memo) return memo;
  let manifest: string;
  try {
    manifest = require.resolve(`${PACKAGE}/package.json`);
  } catch {
    throw new InputError(`builtin:${PIANO} needs the data package ${PACKAGE}, which is not installed (npm install ${PACKAGE})`);
  }
  const dir = path.dirname(manifest);
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'pieces.json'), 'utf8')) as { pieces: PianoPiece[] };
  memo = { dir, pieces: index.pieces };
  return memo;
}

/** The pieces of `builtin:piano` with their licence and attribution, in file-name order. */
export function pianoPieces(): PianoPiece[] {
  return pianoPackage().pieces;
}

/** The file names of builtin:piano, sorted. */
export function pianoNames(): string[] {
  return pianoPieces().map((p) => p.file);
}

/** One piece's MIDI bytes, read from the data package. */
export function pianoBytes(name: string): Uint8Array {
  return fs.readFileSync(path.join(pianoPackage().dir, 'midi', name));
}
