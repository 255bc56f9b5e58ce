import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  generateTokenIds,
  modelRegistry,
  parseSeedMidiOptions,
  parseTimedMidiOptions,
  readMidiNotes,
  registerFastWasmKernels,
  resolvePrimers,
  Rng,
  RUN_DIRS,
  samplerFactories,
  seedMidiBytes,
  timedMidiBytes,
  eventsFromTimedTokens,
  type Encoder,
  type EncoderSpec,
  type Logger,
  type Sampler,
  type StageFactory,
} from './shared-code';
import { runFileUrl } from './api';

/** Backends tried in order; the first that initialises runs the model (the CLI's wasm first). */
const BACKENDS = ['wasm', 'cpu'] as const;
let backendReady: Promise<string> | undefined;

/** Picks the tfjs backend once: wasm (binaries served by the studio itself), else cpu. */
export function initBackend(): Promise<string> {
  backendReady ??= (async () => {
    setWasmPaths(new URL('./', document.baseURI).href);
    for (const name of BACKENDS) {
      try {
        if (await tf.setBackend(name)) {
          await tf.ready();
          // the same kernel table as the CLI's wasm backend (these change speed, not results)
          if (name === 'wasm') registerFastWasmKernels();
          return name;
        }
      } catch {
        /* try the next backend */
      }
    }
    throw new Error('no tfjs backend could start in this browser (tried wasm and cpu)');
  })();
  return backendReady;
}

export interface LoadedModel {
  runId: string;
  checkpoint: string;
  model: tf.LayersModel;
  encoder: Encoder;
  spec: EncoderSpec;
}

/**
 * The encoder a checkpoint was trained with, from its encoder.json: the model package's factory for
 * its type validates the saved options (filling ones added since) and builds it, as the CLI does.
 */
export function encoderFromSpec(spec: EncoderSpec): Encoder {
  const registry = modelRegistry();
  if (!registry.has('Encoder', spec.type)) throw new Error(`the checkpoint's encoder type '${spec.type}' is not known to the studio (a plugin encoder)`);
  const factory = registry.get<Encoder>('Encoder', spec.type);
  const enc = factory.create(factory.parseOptions(spec.options, 'encoder.options'), undefined as never);
  enc.restore(spec.vocabulary);
  return enc;
}

/** Loads a checkpoint folder over HTTP: model.json + weights, encoder.json. */
export async function loadModel(runId: string, checkpoint: string): Promise<LoadedModel> {
  await initBackend();
  const base = [RUN_DIRS.checkpoints, checkpoint];
  const spec = (await (await fetchOk(runFileUrl(runId, [...base, 'encoder.json']))).json()) as EncoderSpec;
  const encoder = encoderFromSpec(spec);
  const model = await tf.loadLayersModel(runFileUrl(runId, [...base, 'model.json']));
  const out = model.outputs[0].shape;
  if (out[out.length - 1] !== encoder.vocabSize) {
    model.dispose();
    throw new Error(`checkpoint ${checkpoint}: the model predicts ${out[out.length - 1]} tokens but its vocabulary has ${encoder.vocabSize}`);
  }
  return { runId, checkpoint, model, encoder, spec };
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).slice(0, 200)}`);
  return r;
}

export interface SamplerChoice {
  type: string;
  /** The options as `sampler.options` of a config (validated by the sampler's own factory). */
  options: Record<string, unknown>;
}

/** The CLI's sampler for the same type and options (its factory validates them, with the same messages). */
export function createSampler(choice: SamplerChoice): Sampler {
  const factory = samplerFactories.find((f) => f.type === choice.type) as StageFactory<Sampler, unknown> | undefined;
  if (!factory) throw new Error(`unknown sampler '${choice.type}' (known: ${samplerFactories.map((f) => f.type).join(', ')})`);
  return factory.create(factory.parseOptions(choice.options, 'sampler.options'), undefined as never);
}

/** What primes the model: a window of the training data (drawn from the seed), or tokens. */
export type PrimerChoice = { kind: 'random-window'; trainingPieces: string[][] } | { kind: 'tokens'; tokens: string[]; midi?: Uint8Array };

export interface GenerateRequest {
  loaded: LoadedModel;
  sampler: SamplerChoice;
  primer: PrimerChoice;
  length: number;
  seed: number;
  mode: 'stateful' | 'window';
  /** The run's `sink` section: seed-midi or timed-midi, with options. */
  sink: { type: string; options?: unknown };
  log: Logger;
}

export interface GenerateResult {
  ids: number[];
  tokens: string[];
  primer: string[];
  midi: Uint8Array;
  ms: number;
}

/**
 * `piano-lstm generate --count 1` in the page: the same random streams (seed → 'generate' →
 * 'piece-0' → 'primer'), primer selection, sampler and stateful loop, then the run's MIDI writer.
 */
export async function generate(req: GenerateRequest): Promise<GenerateResult> {
  const { encoder, model } = req.loaded;
  const rng = new Rng(req.seed).fork('generate').fork('piece-0');
  const sampler = createSampler(req.sampler);
  const crossPieces = Boolean((encoder as { options?: { crossPieces?: unknown } }).options?.crossPieces);
  const trainingIds =
    req.primer.kind === 'random-window' ? req.primer.trainingPieces.map((p) => encoder.encode(p).ids).filter((ids) => ids.length > 0) : undefined;
  if (trainingIds && trainingIds.length === 0) throw new Error("the run's training data gave no pieces here; prime from a MIDI file or the keyboard");
  const primerSpec = req.primer.kind === 'random-window' ? 'random-window' : req.primer.tokens;
  const [primer] = await resolvePrimers(primerSpec, [rng], { encoder, log: req.log, trainingIds, crossPieces });
  const started = performance.now();
  const [ids] = await generateTokenIds(model, encoder, { primers: [primer], rngs: [rng], length: req.length, mode: req.mode, sampler, log: req.log });
  const ms = performance.now() - started;
  const tokens = encoder.decode(ids);
  return { ids, tokens, primer: encoder.decode(primer), midi: writeMidi(encoder, ids, tokens, req), ms };
}

/** The bytes the run's Sink would write (seed-midi or timed-midi). */
function writeMidi(encoder: Encoder, ids: number[], tokens: string[], req: GenerateRequest): Uint8Array {
  if (req.sink.type === 'seed-midi') return seedMidiBytes(tokens, parseSeedMidiOptions(req.sink.options ?? {}, 'sink.options'));
  if (req.sink.type !== 'timed-midi') throw new Error(`the run's sink '${req.sink.type}' cannot run in the browser (seed-midi and timed-midi can)`);
  const options = parseTimedMidiOptions(req.sink.options ?? {}, 'sink.options');
  const timed = encoder.toEvents?.(ids);
  if (timed && timed.invalid > 0) req.log.warn(`${timed.invalid} generated events were impossible (zero duration, note-off without note-on, ...) and were fixed`);
  const events = timed?.events ?? eventsFromTimedTokens(tokens);
  // tempoFrom 'primer': the uploaded MIDI's first tempo, as the CLI reads its --primer file
  const primerMidi = req.primer.kind === 'tokens' ? req.primer.midi : undefined;
  const primerTempo = options.tempoFrom === 'primer' && primerMidi ? readMidiNotes(primerMidi).tempos[0] : undefined;
  const tempo = primerTempo ? Math.round((60_000_000 / primerTempo.usPerQuarter) * 1000) / 1000 : options.tempo;
  return timedMidiBytes(events, { tempo, velocity: options.velocity, program: options.program }).bytes;
}
