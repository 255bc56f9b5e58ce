import { InvalidArgumentError, type Command } from 'commander';
import { GENERATE_MODES, InputError, NoteSource, RunFolder, Sampler, Sink, readExperiment, type GenerateMode } from '@piano-lstm/core';
import { generateFromRun, parsePrimerTokens, requireRunDir, type GenerateOverrides } from '@piano-lstm/generator';
import { collect, consoleLogger, loadExperiment } from '../app';
import { runContainer } from '../run-stages';
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
    .action(
      kit.action(async (opts: GenerateCommandOptions) => {
        const runDir = requireRunDir(opts.run!);
        if (opts.primer && opts.primerTokens) throw new InputError('give --primer or --primer-tokens, not both');
        const configFile = RunFolder.at(runDir).file('config');
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
        };
        const stages = runContainer(loaded, log);
        const { files, checkpoint } = await generateFromRun(runDir, overrides, {
          experiment: loaded.experiment,
          registry: loaded.registry,
          sampler: stages.get<Sampler>(Sampler),
          sink: stages.get<Sink>(Sink),
          source: () => stages.get<NoteSource>(NoteSource),
          log,
        });
        log.info(`checkpoint used: ${checkpoint}`);
        for (const f of files) kit.io.out(f);
      }),
    );
}

/** `--sampler X` for a type other than the run's starts from X's defaults (the old options may not apply). */
function samplerReset(configFile: string, type: string | undefined): string[] {
  if (type === undefined) return [];
  const current = readExperiment(configFile).data.sampler as { type?: unknown } | string | undefined;
  const currentType = typeof current === 'string' ? current : current?.type;
  return currentType === type ? [] : [`sampler={type: ${JSON.stringify(type)}}`];
}
