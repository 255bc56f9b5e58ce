import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, type Encoder, type Logger, type NoteSource, type Rng } from '@piano-lstm/core';

export interface PrimerContext {
  encoder: Encoder;
  log: Logger;
  /** Token ids of the training pieces (for `random-window`). */
  trainingIds?: readonly (readonly number[])[];
  /** Windows run across piece boundaries (the notebook concatenates the whole corpus). */
  crossPieces?: boolean;
  /** Parses a MIDI primer the way the run parsed its corpus. */
  source?: NoteSource;
}

/** How many examples of dropped tokens a warning shows. */
const EXAMPLES = 5;

/**
 * One primer (token ids) per piece. `random-window` draws a window of the training data for each
 * piece from that piece's stream; a MIDI file or inline tokens give every piece the same primer.
 */
export async function resolvePrimers(primer: string | readonly string[], rngs: readonly Rng[], ctx: PrimerContext): Promise<number[][]> {
  if (Array.isArray(primer)) {
    const ids = encodePrimer(primer as readonly string[], 'the inline primer', ctx);
    return rngs.map(() => [...ids]);
  }
  if (primer === 'random-window') return rngs.map((rng) => randomWindow(rng.fork('primer'), ctx));
  const ids = await midiPrimer(primer as string, ctx);
  return rngs.map(() => [...ids]);
}

/** `--primer-tokens "E5 4.9 C5"` → ['E5', '4.9', 'C5'] (commas also separate). */
export function parsePrimerTokens(text: string): string[] {
  const tokens = text.split(/[\s,]+/).filter(Boolean);
  if (tokens.length === 0) throw new InputError(`--primer-tokens '${text}' has no tokens; give e.g. --primer-tokens "E5 4.9 C5"`);
  return tokens;
}

function encodePrimer(tokens: readonly string[], what: string, ctx: PrimerContext): number[] {
  const { ids, unknown } = ctx.encoder.encode(tokens);
  if (unknown.length > 0) {
    const examples = [...new Set(unknown)].slice(0, EXAMPLES).join(', ');
    const message = `${what}: ${unknown.length} of ${tokens.length} tokens are outside the model's vocabulary and were dropped (e.g. ${examples})`;
    if (ids.length === 0) throw new InputError(`${message}; nothing is left to prime with (the vocabulary has ${ctx.encoder.vocabSize} tokens such as ${ctx.encoder.vocabulary.slice(0, EXAMPLES).join(', ')})`);
    ctx.log.warn(message);
  }
  if (ids.length === 0) throw new InputError(`${what} is empty: give at least one token`);
  return ids;
}

async function midiPrimer(file: string, ctx: PrimerContext): Promise<number[]> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new InputError(`primer file ${file} does not exist (give a MIDI file, inline tokens, or random-window)`, { file });
  }
  if (!ctx.source) throw new InputError(`a MIDI primer (${file}) needs the run's NoteSource to parse it`, { file });
  const corpus = await ctx.source.load([file]);
  if (corpus.pieces.length === 0) {
    const reason = corpus.skipped[0]?.reason ?? 'no notes found';
    throw new InputError(`primer ${file} cannot be used: ${reason}`, { file });
  }
  const tokens = corpus.pieces.flatMap((p) => p.tokens);
  return encodePrimer(tokens, `primer ${path.basename(file)}`, ctx);
}

function randomWindow(rng: Rng, ctx: PrimerContext): number[] {
  const T = ctx.encoder.sequenceLength;
  const pieces = (ctx.trainingIds ?? []).filter((p) => p.length > 0);
  if (pieces.length === 0) {
    throw new InputError('primer random-window needs the training data, and there is none; give --primer file.mid or --primer-tokens "E5 4.9 C5"');
  }
  const sequences = ctx.crossPieces ? [pieces.flatMap((p) => [...p])] : pieces;
  // Window starts per sequence: every t with a full window at t (the notebook's network_input rows).
  const starts = sequences.map((s) => (s.length >= T ? s.length - T + 1 : 0));
  const total = starts.reduce((a, b) => a + b, 0);
  if (total === 0) {
    const longest = sequences.reduce((a, b) => (b.length > a.length ? b : a));
    ctx.log.warn(`no training piece has ${T} tokens (the window); priming with the longest piece (${longest.length} tokens)`);
    return [...longest];
  }
  let k = rng.int(total);
  for (let i = 0; i < sequences.length; i++) {
    if (k < starts[i]) return sequences[i].slice(k, k + T) as number[];
    k -= starts[i];
  }
  throw new Error('unreachable: window index out of range');
}
