import type { Rng } from '../rng';

/** Where stages write human-readable progress; the CLI decides how it is shown. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** What every stage instance is created with. */
export interface StageContext {
  /** The run's random stream for this stage (already forked by stage name). */
  rng: Rng;
  log: Logger;
  /** Folder relative paths in options resolve against (the YAML file's folder). */
  baseDir: string;
  /** Folder for caches shared across runs (parsed tokens, ...). */
  cacheDir?: string;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, debug: () => undefined };
