import { MidiReadError, ReadLimits, readMidiFile } from '../smf/midi-reader';
import { Music21Score, Piece, buildScore, expandRuns, isTokenPiece, partitionByInstrument, pieceOrder, pieceToken } from './music21-score';

/**
 * Which notes become the token sequence.
 * - `first`: music21's `parts[0]` after `partitionByInstrument` (the notebook's data, often empty);
 * - `first-notes`: the first part that has notes;
 * - `program:<n>`: notes played under GM program n (0..127), all tracks;
 * - `track:<n>`: all pitched notes of the n-th MTrk chunk (1-based);
 * - `merge`: all pitched notes of all tracks.
 */
export type PartSelection = 'first' | 'first-notes' | 'merge' | `program:${number}` | `track:${number}`;

export interface Music21Options {
  part: PartSelection;
  /** `split`: one token per tied piece across bar lines (the reference); `merge`: one per note. */
  ties: 'split' | 'merge';
}

export const DEFAULT_MUSIC21_OPTIONS: Music21Options = { part: 'first', ties: 'split' };

export interface ParsedTokens {
  tokens: string[];
  /** Onset (quarters) and duration of each token, as music21 places them. */
  events: { token: string; offset: number; duration: number }[];
  /** Partition keys with their number of Note/Chord elements (as the golden files list them). */
  parts: [string, number][];
  /** The selected part had no notes while another one had (`part: first` on piano-midi.de files). */
  emptyFirstPart: boolean;
}

export const PART_PATTERN = /^(first|first-notes|merge|program:(\d{1,3})|track:(\d{1,5}))$/;

/**
 * Tokens of one MIDI file as music21 10.5 + the notebook's `get_notes()` produce them (with the
 * defaults), or as selected by `options`. Throws `MidiReadError` (one-line `reason`) for files
 * the reference rejects.
 */
export function parseMidiTokens(bytes: Uint8Array, options: Partial<Music21Options> = {}, limits?: ReadLimits): ParsedTokens {
  const opts = { ...DEFAULT_MUSIC21_OPTIONS, ...options };
  const score = buildScore(readMidiFile(bytes, limits));
  return selectTokens(score, opts);
}

export function selectTokens(compact: Music21Score, opts: Music21Options): ParsedTokens {
  // every tie piece is a token only with ties: split; otherwise runs of them stay one piece each
  const score = opts.ties === 'split' ? { ...compact, tracks: compact.tracks.map((t) => ({ ...t, pieces: expandRuns(t.pieces) })) } : compact;
  const parts = partitionByInstrument(score);
  const counts: [string, number][] = parts.map((p) => [p.key, p.pieces.filter((x) => isTokenPiece(x) && x.tiePiece === 0).length]);
  let pieces: Piece[];
  const part = opts.part;
  const m = PART_PATTERN.exec(part);
  if (!m) throw new MidiReadError(`unknown part selection '${part}'`, 'option');
  if (part === 'first') pieces = parts[0]?.pieces ?? [];
  else if (part === 'first-notes') pieces = parts.find((p) => p.pieces.some(isTokenPiece))?.pieces ?? [];
  else if (part === 'merge') pieces = score.tracks.flatMap((t) => t.pieces).sort(pieceOrder);
  else if (m[2] !== undefined) {
    const program = Number(m[2]);
    const set = new Set<Piece>();
    for (const t of score.tracks) {
      t.instruments.forEach((inst, k) => {
        if (inst.inst.program !== program || inst.inst.cls === 'UnpitchedPercussion') return;
        const end = k + 1 < t.instruments.length ? t.instruments[k + 1].off : t.end;
        for (const p of t.pieces) if (p.off >= inst.off && (p.off < end || (p.off === end && inst.off === end && p.dur === 0))) set.add(p);
      });
    }
    pieces = [...set].sort(pieceOrder);
  } else {
    const index = Number(m[3]) - 1;
    pieces = score.tracks.filter((t) => t.track === index).flatMap((t) => t.pieces);
  }
  const kept = pieces.filter((p) => isTokenPiece(p) && (opts.ties === 'split' || p.tiePiece === 0));
  const tokens = kept.map(pieceToken);
  const events = kept.map((p, i) => ({ token: tokens[i], offset: p.off / 768, duration: p.dur / 768 }));
  const emptyFirstPart = part === 'first' && tokens.length === 0 && counts.some(([, n]) => n > 0);
  return { tokens, events, parts: counts, emptyFirstPart };
}
