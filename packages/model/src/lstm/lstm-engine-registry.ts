import type * as tf from '@tensorflow/tfjs';
import { fusedLstmEngine } from './engines/fused-lstm-engine';
import { layersLstmEngine } from './engines/layers-lstm-engine';
import { nativeLstmEngine } from './engines/native-lstm-engine';
import type { LstmEngine, LstmFeatures } from './lstm-engine';

const engines = new Map<string, LstmEngine>();
/** `auto`'s choice per feature set: looked up once, then every layer asking the same gets the same engine. */
const autoChoices = new Map<string, LstmEngineChoice>();
/** The kind each layer was asked for (`auto`, `native`…), recorded with its checkpoint. */
const requestedKinds = new WeakMap<tf.layers.Layer, string>();

export interface LstmEngineChoice {
  engine: LstmEngine;
  /** Engines `auto` passed over, best first, and why. */
  skipped: { name: string; reason: string }[];
}

/** Adds an engine (a plugin may add its own); its name becomes a value of `createLstmLayer(kind)`. */
export function registerLstmEngine(engine: LstmEngine): void {
  if (engine.name === 'auto') throw new Error("an LSTM engine cannot be named 'auto'");
  if (engines.has(engine.name)) throw new Error(`an LSTM engine named '${engine.name}' is already registered`);
  engines.set(engine.name, engine);
  autoChoices.clear();
}

/** Every registered engine, highest priority first. */
export function lstmEngines(): LstmEngine[] {
  return [...engines.values()].sort((a, b) => b.priority - a.priority);
}

export function lstmEngine(name: string): LstmEngine {
  const engine = engines.get(name);
  if (!engine) throw new Error(`unknown LSTM engine '${name}' (registered: auto, ${lstmEngines().map((e) => e.name).join(', ')})`);
  return engine;
}

/** Why `engine` cannot run a layer needing `features` here, or undefined when it can. */
export function lstmEngineProblem(engine: LstmEngine, features: LstmFeatures = {}): string | undefined {
  const status = engine.available();
  if (!status.available) return `unavailable here (${status.reason ?? 'no reason given'})`;
  if (features.recurrentDropout && !engine.supports.recurrentDropout) return 'has no recurrent dropout';
  if (features.statefulStep && !engine.supports.statefulStep) return 'has no single-step cell';
  return undefined;
}

/**
 * The engine `kind` names; for `auto`, the available engine with the highest priority that
 * supports `features`. This is the one place `auto` is decided.
 */
export function resolveLstmEngine(kind: string, features: LstmFeatures = {}): LstmEngineChoice {
  if (kind !== 'auto') return { engine: lstmEngine(kind), skipped: [] };
  const key = `${Boolean(features.recurrentDropout)}/${Boolean(features.statefulStep)}`;
  const cached = autoChoices.get(key);
  if (cached) return cached;
  const skipped: LstmEngineChoice['skipped'] = [];
  for (const engine of lstmEngines()) {
    const problem = lstmEngineProblem(engine, features);
    if (problem) {
      skipped.push({ name: engine.name, reason: problem });
      continue;
    }
    const choice = { engine, skipped };
    autoChoices.set(key, choice);
    return choice;
  }
  throw new Error(`no LSTM engine can run this layer here: ${skipped.map((s) => `'${s.name}' ${s.reason}`).join('; ')}`);
}

/** The registered engine running `layer`, if any (a plugin's LSTM-like layer may have none). */
export function lstmEngineOf(layer: tf.layers.Layer): LstmEngine | undefined {
  return lstmEngines().find((e) => e.runs(layer));
}

export function noteRequestedLstmKind(layer: tf.layers.Layer, kind: string): void {
  requestedKinds.set(layer, kind);
}

/** The kind `layer` was created or loaded as (`auto`, `fused`…); else the name of the engine it runs on. */
export function requestedLstmKind(layer: tf.layers.Layer): string | undefined {
  return requestedKinds.get(layer) ?? lstmEngineOf(layer)?.name;
}

for (const engine of [nativeLstmEngine, fusedLstmEngine, layersLstmEngine]) registerLstmEngine(engine);
