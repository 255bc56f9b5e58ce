import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@piano-lstm/core';
import { Music21NoteSource, builtinCorpusFiles } from '@piano-lstm/midi-io';

export interface BenchOptions {
  json?: boolean;
  quick?: boolean;
}

/** One measured row: the bench command prints these as a table or JSON lines. */
export type BenchRow = Record<string, string | number | boolean | null>;

/** music21 10.5 on this machine kind: ~0.8 s per piano file (golden files' `seconds`, median). */
const REFERENCE_SECONDS_PER_FILE = 0.8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Files/s and tokens/s of the music21 NoteSource over the piano corpus: cold (no token cache, every
 * file parsed) and warm (all from the cache), median of ≥ 3 repeats after one warm-up.
 */
export async function benchParse(opts: BenchOptions): Promise<BenchRow[]> {
  // the 59 shipped piano pieces (@piano-lstm/corpus-piano): the same files music21's reference timing was taken on
  const files = builtinCorpusFiles('builtin:piano');
  const repeats = opts.quick ? 3 : 5;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-parse-'));
  try {
    const rows: BenchRow[] = [];
    for (const mode of ['cold', 'warm'] as const) {
      const source = new Music21NoteSource({ part: 'first-notes', ties: 'split', cache: mode === 'warm' }, { log: silentLogger, cacheDir });
      const times: number[] = [];
      let tokens = 0;
      for (let r = 0; r <= repeats; r++) {
        const t0 = process.hrtime.bigint();
        tokens = 0;
        for (const f of files) {
          const o = source.parseBytes(f.path, f.bytes);
          if ('tokens' in o) tokens += o.tokens.length;
        }
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        if (r > 0) times.push(s); // r = 0 warms the JIT (and fills the cache for 'warm')
      }
      const s = median(times);
      rows.push({
        mode,
        files: files.length,
        tokens,
        repeats,
        seconds: Number(s.toFixed(4)),
        files_per_s: Math.round(files.length / s),
        tokens_per_s: Math.round(tokens / s),
        x_vs_music21: Math.round((REFERENCE_SECONDS_PER_FILE * files.length) / s),
      });
    }
    return rows;
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}
