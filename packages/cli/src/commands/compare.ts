import * as path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '@piano-lstm/core';
import { compareFolders, comparisonJson, formatComparison, renderComparison } from '@piano-lstm/sweep';
import type { CommandKit } from '../command-kit';

export function registerCompare(program: Command, kit: CommandKit): void {
  program
    .command('compare')
    .argument('<folders...>', 'run folders and/or sweep folders')
    .description('one table of runs sorted by the objective: varied keys, best val_loss, accuracy, speed, n-gram margin')
    .option('--json', 'print JSON instead of the table')
    .option('--html <file>', 'also write a self-contained page with the loss curves overlaid and links to each report')
    .action(
      kit.action((folders: string[], opts: { json?: boolean; html?: string }) => {
        const c = compareFolders(folders);
        if (opts.json) kit.io.out(JSON.stringify(comparisonJson(c), null, 2));
        else for (const line of formatComparison(c)) kit.io.out(line);
        if (opts.html) {
          const file = path.resolve(opts.html);
          writeFileAtomic(file, renderComparison(c, { title: 'piano-lstm compare', outFile: file }), { force: true });
          kit.io.err(`html: ${file}`);
        }
      }),
    );
}
