import type { Command } from 'commander';
import { InputError } from '@piano-lstm/core';
import type { CommandKit } from '../command-kit';
import { benchGenerate } from './bench-generate';
import { benchParse } from './bench-parse';
import { benchTrain } from './bench-train';

type Row = Record<string, string | number | boolean | null>;
const SUITES: Record<string, (o: { json?: boolean; quick?: boolean }) => Promise<Row[]>> = {
  parse: benchParse,
  train: benchTrain,
  generate: benchGenerate,
};

export function registerBench(program: Command, kit: CommandKit): void {
  program
    .command('bench [suites...]')
    .description(`the benchmark suite (${Object.keys(SUITES).join(', ')}; default all), ratios measured side by side in one run`)
    .option('--json', 'one JSON object per line instead of a table')
    .option('--quick', 'fewer repeats (smoke test; figures are noisier)')
    .action(
      kit.action(async (suites: string[], opts: { json?: boolean; quick?: boolean }) => {
        const names = suites.length ? suites : Object.keys(SUITES);
        for (const n of names) {
          if (!SUITES[n]) throw new InputError(`unknown bench suite '${n}' (known: ${Object.keys(SUITES).join(', ')})`);
        }
        for (const n of names) {
          const rows = await SUITES[n](opts);
          if (opts.json) for (const r of rows) kit.io.out(JSON.stringify({ suite: n, ...r }));
          else printTable(kit, n, rows);
        }
      }),
    );
}

function printTable(kit: CommandKit, title: string, rows: Row[]): void {
  kit.io.out(`\n## bench ${title}`);
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 3 : 1)) : v === null || v === undefined ? '' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  kit.io.out(cols.map((c, i) => c.padEnd(widths[i])).join('  '));
  kit.io.out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) kit.io.out(cols.map((c, i) => cell(r[c]).padEnd(widths[i])).join('  '));
}
