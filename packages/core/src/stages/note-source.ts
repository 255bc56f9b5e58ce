/** One timed event of a piece, in quarter lengths from the start (rhythm-aware paths use it). */
export interface TimedEvent {
  token: string;
  offset: number;
  duration: number;
  velocity?: number;
}

/** One parsed file: its tokens in order (pitch names like `F#5`, chords like `4.9`). */
export interface Piece {
  path: string;
  tokens: string[];
  events?: TimedEvent[];
}

/** A file that gave nothing usable, with a one-line reason (`truncated track 3 at byte 812`). */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Corpus {
  pieces: Piece[];
  skipped: SkippedFile[];
}

/** files → per-piece token sequences, or a skip with a reason. Never throws for one bad file. */
export interface NoteSource {
  /** Files and folders (walked recursively for .mid/.midi); `builtin:<name>` names a shipped corpus. */
  load(paths: string[]): Promise<Corpus>;
}

export const NoteSource = Symbol.for('@piano-lstm/core/NoteSource');
