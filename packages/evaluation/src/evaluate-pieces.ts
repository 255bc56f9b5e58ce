import { addInto, jensenShannonDistance } from './histogram';
import type { LoadedPieces } from './midi-notes';
import { ioiHistogram, PieceMetrics, pieceMetrics, pitchClassHistogram } from './music-metrics';
import { NotePiece, onsetTokens } from './note';
import { CopyIndex, DEFAULT_LOOP_OPTIONS, LoopOptions, loopRate } from './repetition';

/** Every metric of one piece; null where a value is undefined (no notes, no reference corpus). */
export type PieceEvaluation = { path: string } & { [K in keyof PieceMetrics]: number | null } & {
  loop_rate: number | null;
  /** Pitch-class histogram vs the corpus (for a corpus piece: vs the rest of the corpus). */
  pitch_class_js_distance: number | null;
  ioi_js_distance: number | null;
  /** Longest token run found verbatim in the reference corpus (for a corpus piece: in another corpus piece). */
  longest_copy: number | null;
  longest_copy_source: string | null;
};

export const METRIC_KEYS = [
  'n_notes',
  'length_quarters',
  'pitch_range',
  'n_pitches_used',
  'n_pitch_classes_used',
  'pitch_entropy',
  'pitch_class_entropy',
  'scale_consistency',
  'polyphony',
  'notes_per_onset',
  'empty_beat_rate',
  'loop_rate',
  'pitch_class_js_distance',
  'ioi_js_distance',
  'longest_copy',
] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

export interface SetEvaluation {
  n_pieces: number;
  /** Mean over pieces of each metric (null values left out; null when no piece has one). */
  mean: Record<MetricKey, number | null>;
  /** The whole set's pooled histograms against the corpus (null without a corpus). */
  pooled: { pitch_class_js_distance: number | null; ioi_js_distance: number | null };
  pieces: PieceEvaluation[];
  skipped: { path: string; reason: string }[];
}

export interface Evaluation {
  samples: SetEvaluation;
  corpus: SetEvaluation | null;
  /** The loop unit lengths used for loop_rate, in onsets. */
  loop: { min_period: number; max_period: number };
}

export interface EvaluateOptions {
  loop?: LoopOptions;
}

interface Prepared {
  piece: NotePiece;
  tokens: string[];
  pitchClasses: number[];
  iois: number[];
}

/** Metrics for the samples and, given a corpus, for the corpus too, side by side. */
export function evaluatePieces(samples: LoadedPieces, corpus?: LoadedPieces, options: EvaluateOptions = {}): Evaluation {
  const loop = options.loop ?? DEFAULT_LOOP_OPTIONS;
  const sample = samples.pieces.map(prepare);
  const reference = corpus?.pieces.map(prepare);
  let corpusEval: SetEvaluation | null = null;
  let samplesEval: SetEvaluation;
  if (reference) {
    const totalPc = sum(reference.map((r) => r.pitchClasses), 12);
    const totalIoi = sum(reference.map((r) => r.iois), reference[0]?.iois.length ?? ioiHistogram([]).length);
    const index = new CopyIndex(reference.map((r) => ({ path: r.piece.path, tokens: r.tokens })));
    const against = (p: Prepared, self: number): Partial<PieceEvaluation> => {
      const pc = [...totalPc];
      const ioi = [...totalIoi];
      if (self >= 0) {
        addInto(pc, p.pitchClasses, -1);
        addInto(ioi, p.iois, -1);
      }
      const copy = index.longestCopy(p.tokens, self);
      return {
        pitch_class_js_distance: finite(jensenShannonDistance(p.pitchClasses, pc)),
        ioi_js_distance: finite(jensenShannonDistance(p.iois, ioi)),
        longest_copy: copy.length,
        longest_copy_source: copy.source ?? null,
      };
    };
    samplesEval = summarize(
      sample.map((p) => evaluateOne(p, loop, against(p, -1))),
      samples.skipped,
      pooled(sample, totalPc, totalIoi),
    );
    corpusEval = summarize(
      reference.map((p, i) => evaluateOne(p, loop, against(p, i))),
      corpus!.skipped,
      { pitch_class_js_distance: null, ioi_js_distance: null },
    );
  } else {
    samplesEval = summarize(
      sample.map((p) => evaluateOne(p, loop, {})),
      samples.skipped,
      { pitch_class_js_distance: null, ioi_js_distance: null },
    );
  }
  return { samples: samplesEval, corpus: corpusEval, loop: { min_period: loop.minPeriod, max_period: loop.maxPeriod } };
}

function prepare(piece: NotePiece): Prepared {
  return { piece, tokens: onsetTokens(piece.notes), pitchClasses: pitchClassHistogram(piece.notes), iois: ioiHistogram(piece.notes) };
}

function evaluateOne(p: Prepared, loop: LoopOptions, reference: Partial<PieceEvaluation>): PieceEvaluation {
  const m = pieceMetrics(p.piece.notes);
  const base = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, finite(v)])) as { [K in keyof PieceMetrics]: number | null };
  return {
    path: p.piece.path,
    ...base,
    loop_rate: finite(loopRate(p.tokens, loop)),
    pitch_class_js_distance: null,
    ioi_js_distance: null,
    longest_copy: null,
    longest_copy_source: null,
    ...reference,
  };
}

function summarize(pieces: PieceEvaluation[], skipped: { path: string; reason: string }[], pooledDistances: SetEvaluation['pooled']): SetEvaluation {
  const mean = {} as Record<MetricKey, number | null>;
  for (const key of METRIC_KEYS) {
    const values = pieces.map((p) => p[key]).filter((v): v is number => v !== null);
    mean[key] = values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
  }
  return { n_pieces: pieces.length, mean, pooled: pooledDistances, pieces, skipped };
}

function pooled(set: Prepared[], corpusPc: number[], corpusIoi: number[]): SetEvaluation['pooled'] {
  return {
    pitch_class_js_distance: finite(jensenShannonDistance(sum(set.map((p) => p.pitchClasses), 12), corpusPc)),
    ioi_js_distance: finite(jensenShannonDistance(sum(set.map((p) => p.iois), corpusIoi.length), corpusIoi)),
  };
}

function sum(histograms: number[][], size: number): number[] {
  const total = new Array<number>(size).fill(0);
  for (const h of histograms) addInto(total, h);
  return total;
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
