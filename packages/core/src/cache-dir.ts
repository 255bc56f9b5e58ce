import * as os from 'node:os';
import * as path from 'node:path';

/** Sub-folders of the cache that piano-lstm writes (what `piano-lstm cache clear` removes, nothing else). */
export const CACHE_SUBFOLDERS = ['music21-tokens'] as const;

/**
 * Where parsed tokens are cached, decided in this one place: `PIANO_LSTM_CACHE` when set, else the
 * platform cache folder, `$XDG_CACHE_HOME/piano-lstm` or `~/.cache/piano-lstm` (never the folder a
 * command happens to run in). Empty variables count as unset.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: () => string = os.homedir): string {
  if (env.PIANO_LSTM_CACHE) return path.resolve(env.PIANO_LSTM_CACHE);
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'piano-lstm');
  return path.join(home(), '.cache', 'piano-lstm');
}
