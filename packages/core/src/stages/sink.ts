import type { TimedEvent } from './note-source';

export interface SinkWriteOptions {
  /** Overwrite an existing file; otherwise writing over one is an error. */
  force?: boolean;
  /** Timed events, for sinks that keep rhythm. */
  events?: TimedEvent[];
  /** The MIDI file the piece continues, when generation was primed with one (a sink may take its tempo). */
  primerFile?: string;
}

/** tokens → MIDI file. Writes atomically (temp file, then rename). Returns the path written. */
export interface Sink {
  readonly extension: string;
  write(tokens: readonly string[], outPath: string, options?: SinkWriteOptions): Promise<string>;
}

export const Sink = Symbol.for('@piano-lstm/core/Sink');
