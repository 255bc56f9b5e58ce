import { InvalidArgumentError, type Command } from 'commander';
import { GENERATE_MODES, InputError, RunFolder, UnknownTypeError, readExperiment, type GenerateMode } from '@piano-lstm/core';
import { generateFromRun, parsePrimerTokens, requireRunDir, type GenerateOverrides } from '@piano-lstm/generator';
import { collect, consoleLogger, loadExperiment, type LoadedExperiment } from '../app';
import { generationStages, runContainer } from '../run-stages';
import type { CommandKit } from '../command-kit';
import { lengthInTokens, lengthSpec, numberIn, pitchList, primerPitchTokens, samplerSets, tempoSets, type GenerationFlags } from './generate-flags';

interface GenerateCommandOptions extends GenerationFlags {
  run?: string;
  checkpoint?: string;
  count?: number;
  set: string[];
  primer?: string;
  primerTokens?: string;
  includePrimer?: boolean;
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
    .option('--length <n|Ns|Nbars>', 'length of each piece: tokens (500), seconds (30s) or 4/4 bars (8bars); durations need the seed-midi sink', lengthSpec)
    .option('--count <n>', 'pieces to generate (in one batched pass)', integer('--count', 1, 10_000))
    .option('--sampler <type>', 'argmax, temperature, top-k or top-p (options via --set sampler.options.p=0.9)')
    .option('--temperature <t>', 'sample with temperature t (0 = argmax, 1 = the model as is); with --top-k/--top-p, their temperature', numberIn('--temperature', 0, 100))
    .option('--top-k <k>', 'sample among the k most likely tokens (the top-k sampler)', integer('--top-k', 1, 1_000_000))
    .option('--top-p <p>', 'nucleus sampling: the most likely tokens holding mass p, 0 < p ≤ 1 (the top-p sampler)', numberIn('--top-p', 0, 1, true))
    .option('--qpm <n>', 'tempo of the written MIDI in quarter notes per minute (default: the sink\'s, 120)', numberIn('--qpm', 1, 1000))
    .option('--set <key=value>', 'override a key of the run\'s config, e.g. sampler.options.t=0.8 (repeatable)', collect, [])
    .option('--primer <file.mid>', 'prime with a MIDI file (parsed like the training data) instead of a random training window')
    .option('--primer-tokens <tokens>', 'prime with tokens, e.g. "E5 4.9 C5"')
    .option('--primer-pitches <pitches>', 'prime with MIDI note numbers, e.g. "60 62 64" (60 = middle C), as Magenta\'s --primer_pitches', pitchList)
    .option('--include-primer', 'write the primer before the continuation in each file')
    .option('--seed <n>', 'seed of this generation (default: a fresh one, printed for replay; with --seed the same files come out again)', integer('--seed', 0, 2 ** 31 - 1))
    .option('--mode <mode>', `how the model is run: ${GENERATE_MODES.join(', ')}`, mode)
    .option('--width <n>', 'beam width for --mode beam (ignored, with a warning, in other modes)', integer('--width', 1, 256))
    .option('--out <file-or-dir>', 'a .mid file (count 1) or a folder (default: <run>/samples)')
    .option('--force', 'overwrite existing files')
    .option('--format <format>', 'midi (the run\'s sink) or tokens (one JSON file: {"pieces":[{"primer":[…],"tokens":[…]}]})', format)
    .action(
      kit.action(async (opts: GenerateCommandOptions) => {
        const runDir = requireRunDir(opts.run!);
        const primers = [opts.primer && '--primer', opts.primerTokens !== undefined && '--primer-tokens', opts.primerPitches && '--primer-pitches'].filter(Boolean);
        if (primers.length > 1) throw new InputError(`give one of ${primers.join(', ')}, not several`);
        const log = consoleLogger(kit.io, kit.verbose());
        const loaded = loadRun(runDir, opts);
        const length = opts.length && lengthInTokens(opts.length, loaded.experiment);
        if (length && length.note) log.info(length.note);
        const overrides: GenerateOverrides = {
          checkpoint: opts.checkpoint,
          length: length ? length.tokens : undefined,
          count: opts.count,
          mode: opts.mode,
          width: opts.width,
          primer: primerOf(runDir, opts),
          includePrimer: opts.includePrimer,
          seed: opts.seed,
          out: opts.out,
          force: opts.force,
          format: opts.format,
        };
        const { files, checkpoint } = await generateFromRun(runDir, overrides, generationStages(loaded, runContainer(loaded, log), log));
        log.info(`checkpoint used: ${checkpoint}`);
        for (const f of files) kit.io.out(f);
      }),
    );
}

function format(value: string): 'midi' | 'tokens' {
  if (value !== 'midi' && value !== 'tokens') throw new InvalidArgumentError('known formats: midi, tokens');
  return value;
}

/** The run's config with the sampler flags, `--set` and then `--qpm` (which depends on the sink `--set` may change) applied. */
function loadRun(runDir: string, opts: GenerateCommandOptions) {
  const configFile = RunFolder.at(runDir).file('config');
  const current = readExperiment(configFile).data.sampler as { type?: unknown } | string | undefined;
  const currentType = typeof current === 'string' ? current : typeof current?.type === 'string' ? current.type : undefined;
  const sets = [...samplerSets(currentType, opts), ...opts.set];
  let loaded: LoadedExperiment;
  try {
    loaded = loadExperiment(configFile, sets);
  } catch (e) {
    // the type came from a flag, not from a file: say so instead of pointing at a generated --set
    if (e instanceof UnknownTypeError && e.typePath === 'sampler.type' && opts.sampler !== undefined) throw new InputError(`--sampler: ${e.detail}`);
    throw e;
  }
  const tempo = tempoSets(loaded.experiment.sink.type, opts.qpm);
  return tempo.length ? loadExperiment(configFile, [...sets, ...tempo]) : loaded;
}

function primerOf(runDir: string, opts: GenerateCommandOptions): string | string[] | undefined {
  if (opts.primerTokens !== undefined) return parsePrimerTokens(opts.primerTokens);
  if (opts.primerPitches) return primerPitchTokens(runDir, opts.primerPitches);
  return opts.primer;
}
