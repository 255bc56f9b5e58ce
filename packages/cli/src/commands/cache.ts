import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { CACHE_SUBFOLDERS, plural } from '@piano-lstm/core';
import { cacheDir } from '../app';
import type { CommandKit } from '../command-kit';

export function registerCache(program: Command, kit: CommandKit): void {
  const cache = program
    .command('cache')
    .description('the token cache (parsed MIDI files, keyed by content): where it is, and clearing it');
  cache
    .command('path')
    .description('print the cache folder (--cache, else PIANO_LSTM_CACHE, else $XDG_CACHE_HOME/piano-lstm or ~/.cache/piano-lstm)')
    .action(kit.action(() => kit.io.out(cacheDir())));
  cache
    .command('clear')
    .description('remove what piano-lstm cached (only its own sub-folders: the folder may be shared)')
    .action(
      kit.action(() => {
        const dir = cacheDir();
        const { files, bytes } = clearCache(dir);
        kit.io.out(`cleared ${dir}: ${plural(files, 'file')} (${(bytes / 2 ** 20).toFixed(1)} MB) removed`);
      }),
    );
  cache.commands.forEach((c) => c.exitOverride());
}

/** Removes piano-lstm's sub-folders of `dir` (never `dir` itself, which PIANO_LSTM_CACHE may point anywhere). */
export function clearCache(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const count = (p: string): void => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const full = path.join(p, e.name);
      if (e.isDirectory()) count(full);
      else {
        files++;
        bytes += fs.lstatSync(full).size;
      }
    }
  };
  for (const sub of CACHE_SUBFOLDERS) {
    const p = path.join(dir, sub);
    if (!fs.existsSync(p)) continue;
    count(p);
    fs.rmSync(p, { recursive: true, force: true });
  }
  return { files, bytes };
}
