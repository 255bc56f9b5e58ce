import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { GENERATE_MODES, InputError, readExperiment, type GenerateMode, type NoteSource, type Sampler, type Sink } from '@piano-lstm/core';
import { generateFromRun, parsePrimerTokens, requireRunDir, type GenerateOverrides } from '@piano-lstm/generator';
import { collect, consoleLogger, createStage, loadExperiment } from '../app';
import type { CommandKit } from '../command-kit';

interface GenerateCommandOptions {
  run?: string;
  checkpoint?: string;
  length?: number;
  count?: number;
  sampler?: string;
  set: string[];
  primer?: string;
  primerTokens?: string;
  seed?: number;
  mode?: GenerateMode;
  width?: number;
  out?: string;
  force?: boolean;
  format?: 'midi' | 'tokens';
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

function mode(value: string): GenerateMode {
  if (!(GENERATE_MODES as readonly string[]).includes(value)) throw new InvalidArgumentError(`known modes: ${GENERATE_MODES.join(', ')}`);
  return value as GenerateMode;
}

export function registerGenerate(program: Command, kit: CommandKit): void {
  program
    .command('generate')
    .description('sample new pieces from a run\'s best checkpoint (its config, vocabulary and sink), printing the files written')
    .requiredOption('--run <runDir>', 'the run folder (printed as "run folder: …" by train or run)')
    .option('--checkpoint <name>', 'a checkpoint folder under checkpoints/ (default: the best one)')
    .option('--length <n>', 'tokens to generate per piece', integer('--length', 1, 1_000_000))
    .option('--count <n>', 'pieces to generate (in one batched pass)', integer('--count', 1, 10_000))
    .option('--sampler <type>', 'argmax, temperature, top-k or top-p (options via --set sampler.options.p=0.9)')
    .option('--set <key=value>', 'override a key of the run\'s config, e.g. sampler.options.t=0.8 (repeatable)', collect, [])
    .option('--primer <file.mid>', 'prime with a MIDI file (parsed like the training data) instead of a random training window')
    .option('--primer-tokens <tokens>', 'prime with tokens, e.g. "E5 4.9 C5"')
    .option('--seed <n>', 'seed of this generation (default: the run\'s seed)', integer('--seed', 0, 2 ** 31 - 1))
    .option('--mode <mode>', `how the model is run: ${GENERATE_MODES.join(', ')}`, mode)
    .option('--width <n>', 'beam width for --mode beam', integer('--width', 1, 256))
    .option('--out <file-or-dir>', 'a .mid file (count 1) or a folder (default: <run>/samples)')
    .option('--force', 'overwrite existing files')
    .option('--format <format>', 'midi (the run\'s sink) or tokens (one JSON file: {"pieces":[{"primer":[…],"tokens":[…]}]})', format)
    .action(
      kit.action(async (opts: GenerateCommandOptions) => {
        const runDir = requireRunDir(opts.run!);
        if (opts.primer && opts.primerTokens) throw new InputError('give --primer or --primer-tokens, not both');
        const configFile = path.join(runDir, 'config.yaml');
        const sets = [...samplerReset(configFile, opts.sampler), ...opts.set];
        const loaded = loadExperiment(configFile, sets);
        const log = consoleLogger(kit.io, kit.verbose());
        const overrides: GenerateOverrides = {
          checkpoint: opts.checkpoint,
          length: opts.length,
          count: opts.count,
          mode: opts.mode,
          width: opts.width,
          primer: opts.primerTokens !== undefined ? parsePrimerTokens(opts.primerTokens) : opts.primer,
          seed: opts.seed,
          out: opts.out,
          force: opts.force,
          format: opts.format,
        };
        const { files, checkpoint } = await generateFromRun(runDir, overrides, {
          experiment: loaded.experiment,
          sampler: createStage<Sampler>(loaded, 'Sampler', log),
          sink: createStage<Sink>(loaded, 'Sink', log),
          source: () => createStage<NoteSource>(loaded, 'NoteSource', log),
          log,
        });
        log.info(`checkpoint used: ${checkpoint}`);
        for (const f of files) kit.io.out(f);
      }),
    );
}

function format(value: string): 'midi' | 'tokens' {
  if (value !== 'midi' && value !== 'tokens') throw new InvalidArgumentError('known formats: midi, tokens');
  return value;
}

/** `--sampler X` for a type other than the run's starts from X's defaults (the old options may not apply). */
function samplerReset(configFile: string, type: string | undefined): string[] {
  if (type === undefined) return [];
  const current = readExperiment(configFile).data.sampler as { type?: unknown } | string | undefined;
  const currentType = typeof current === 'string' ? current : current?.type;
  return currentType === type ? [] : [`sampler={type: ${JSON.stringify(type)}}`];
}
