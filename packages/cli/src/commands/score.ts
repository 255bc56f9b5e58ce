import * as path from 'node:path';
import type { Command } from 'commander';
import { consoleLogger } from '../app';
import type { CommandKit } from '../command-kit';
import { resolveRunDir, scoreWithRun, type ScoreContext, type ScoreReport, type ScoreSummary } from './score-run';

interface ScoreCommandOptions {
  run: string;
  checkpoint?: string;
  json?: boolean;
  perStep?: boolean;
}

export function registerScore(program: Command, kit: CommandKit): void {
  program
    .command('score')
    .argument('<paths...>', 'MIDI files or folders of them (builtin:classical-mini/<file> names one built-in piece)')
    .description("held-out likelihood: the model's nats/token and accuracy on MIDI files, next to the unigram and 5-gram fitted on the run's training pieces, on the same positions")
    .requiredOption('--run <runDir>', 'the run folder (or a folder of runs: the newest is used)')
    .option('--checkpoint <name>', 'a checkpoint folder under checkpoints/ (default: the best one)')
    .option('--json', 'print JSON: {"files":[{"path","tokens","scored","model","kneser_ney","unigram"}],"total":{…},"unknown_tokens":N}')
    .option('--per-step', 'add each scored position (position, token, the model\'s p and the 5-gram\'s) to every file, for plotting surprise along a piece')
    .action(
      kit.action(async (paths: string[], opts: ScoreCommandOptions) => {
        const run = resolveRunDir(opts.run, kit.io);
        const log = consoleLogger(kit.io, kit.verbose());
        const { report, context } = await scoreWithRun(run, paths, { perStep: opts.perStep, checkpoint: opts.checkpoint }, log);
        log.info(`checkpoint used: ${context.checkpoint}`);
        if (opts.json) kit.io.out(JSON.stringify(report, null, 2));
        else for (const line of formatScore(report, context)) kit.io.out(line);
      }),
    );
}

const nats = (s: ScoreSummary) => (s.nats_per_token === null ? '—' : s.nats_per_token.toFixed(4));
const pct = (s: ScoreSummary) => (s.accuracy === null ? '—' : `${(s.accuracy * 100).toFixed(1)}%`);

/** The terminal table: one row per file and the total, the model beside both baselines, units and directions in the header. */
export function formatScore(r: ScoreReport, c: ScoreContext): string[] {
  const kn = `${c.ngram}-gram KN`;
  const header = ['file', 'tokens', 'scored', 'model', 'acc', kn, 'acc', 'unigram', 'acc'];
  const row = (name: string, s: ScoreReport['total']) => [name, String(s.tokens), String(s.scored), nats(s.model), pct(s.model), nats(s.kneser_ney), pct(s.kneser_ney), nats(s.unigram), pct(s.unigram)];
  const rows = [...r.files.map((f) => row(path.basename(f.path), f)), ...(r.files.length > 1 ? [row('total', r.total)] : [])];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => cells[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  const out = [
    `cross-entropy in nats/token (lower is better) and top-1 accuracy (higher is better); windows of ${c.sequenceLength} tokens, targets: ${c.targets}; baselines fitted on the run's ${c.trainPieces} training piece(s)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  out.push(verdict(r.total, kn));
  if (r.unknown_tokens) out.push(`${r.unknown_tokens} token(s) outside the model's vocabulary were not scored (by the model or the baselines) and were left out of the windows`);
  const short = r.files.filter((f) => f.scored === 0);
  if (short.length) out.push(`${short.length} file(s) too short to score (${c.sequenceLength} tokens or fewer): ${short.map((f) => path.basename(f.path)).join(', ')}`);
  return out;
}

function verdict(t: ScoreReport['total'], kn: string): string {
  const m = t.model.nats_per_token;
  const b = t.kneser_ney.nats_per_token;
  if (m === null || b === null) return 'nothing was scored: every file is shorter than one window';
  const on = `on ${t.scored.toLocaleString('en-US')} tokens`;
  return m < b ? `the model beats the ${kn} by ${(b - m).toFixed(2)} nats/token ${on}` : `warning: the model does not beat the ${kn} (${m.toFixed(4)} vs ${b.toFixed(4)} nats/token ${on})`;
}
