import * as tf from '@tensorflow/tfjs';
import { InputError } from '@piano-lstm/core';
import { convertLstmTopology, savedLstmLayers, type SavedLstmLayer } from './convert-lstm-topology';
import type { LstmEngine, LstmKind } from './lstm-engine';
import { lstmEngine, lstmEngineOf, lstmEngineProblem, noteRequestedLstmKind, requestedLstmKind, resolveLstmEngine } from './lstm-engine-registry';

/**
 * What a checkpoint records about its LSTMs, in model.json's `userDefinedMetadata.lstm`: the kind
 * the layers were asked for (`auto`, `fused`…; absent when they differ) and the engine each ran on.
 */
export interface LstmRecord {
  kind?: string;
  engines: Record<string, string>;
}

export function lstmRecordOf(model: tf.LayersModel): LstmRecord | undefined {
  const engines: Record<string, string> = {};
  const kinds = new Set<string>();
  for (const layer of model.layers) {
    const engine = lstmEngineOf(layer);
    if (!engine) continue;
    engines[layer.name] = engine.name;
    kinds.add(requestedLstmKind(layer) ?? engine.name);
  }
  if (kinds.size === 0) return undefined;
  return { ...(kinds.size === 1 ? { kind: [...kinds][0] } : {}), engines };
}

/** Wraps a save handler so model.json records the model's LSTM engines. */
export function recordingLstmEngines(handler: tf.io.IOHandler, model: tf.LayersModel): tf.io.IOHandler {
  return {
    ...handler,
    save: (artifacts) => {
      // Read when tfjs saves, i.e. from the model being saved.
      const record = lstmRecordOf(model);
      return handler.save!(record ? { ...artifacts, userDefinedMetadata: { ...artifacts.userDefinedMetadata, lstm: record } } : artifacts);
    },
  };
}

function recordedKind(artifacts: tf.io.ModelArtifacts): string | undefined {
  const kind = (artifacts.userDefinedMetadata?.lstm as Partial<LstmRecord> | undefined)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

export interface LstmLoadPlan {
  /** The artifacts with each LSTM layer's class set to what its engine runs. */
  artifacts: tf.io.ModelArtifacts;
  /** Call on the model built from `artifacts`: points each LSTM layer at its engine. */
  attach(model: tf.LayersModel): void;
}

/** `lstm` named by the caller: it must run here, or loading stops with the fix (exit 2). */
function strictEngine(kind: string, layer: SavedLstmLayer, recurrentDropout: number, dir: string): LstmEngine {
  const name = String(layer.config.name);
  if (kind === 'auto') return resolveLstmEngine('auto', { recurrentDropout: recurrentDropout > 0 }).engine;
  let engine: LstmEngine;
  try {
    engine = lstmEngine(kind);
  } catch (e) {
    throw new InputError(`checkpoint ${dir}: ${(e as Error).message}`, { exitCode: 2 });
  }
  const status = engine.available();
  if (!status.available) throw new InputError(`lstm '${kind}' is unavailable here (${status.reason}); load checkpoint ${dir} with lstm: auto or fused`, { exitCode: 2 });
  if (recurrentDropout > 0 && !engine.supports.recurrentDropout) {
    throw new InputError(`checkpoint ${dir}: layer '${name}' has recurrent dropout ${recurrentDropout}, which '${kind}' lacks; load it with lstm: auto or fused`, { exitCode: 2 });
  }
  return engine;
}

/** The recorded kind: a preference, since the weights run on any engine; `auto` when it cannot run here. */
function preferredEngine(kind: string, recurrentDropout: number): LstmEngine {
  const features = { recurrentDropout: recurrentDropout > 0 };
  if (kind !== 'auto') {
    const engine = (() => {
      try {
        return lstmEngine(kind);
      } catch {
        return undefined;
      }
    })();
    if (engine && !lstmEngineProblem(engine, features)) return engine;
  }
  return resolveLstmEngine('auto', features).engine;
}

/**
 * Decides the engine of every LSTM layer of a checkpoint before tfjs builds it: `override` when
 * given (what the caller asks for), else the kind the checkpoint recorded, else (a checkpoint from
 * before engines were recorded, or from elsewhere) `auto` for FusedLSTM layers and the stock LSTM as
 * saved. This is the one place a loaded model's engines are chosen.
 */
export function planLstmEngines(artifacts: tf.io.ModelArtifacts, override: LstmKind | undefined, dir: string): LstmLoadPlan {
  const recorded = recordedKind(artifacts);
  const chosen = new Map<string, { engine: LstmEngine; kind: string }>();
  for (const layer of savedLstmLayers(artifacts)) {
    const rd = Number(layer.config.recurrent_dropout ?? 0);
    const kind = override ?? recorded ?? (layer.className === 'FusedLSTM' ? 'auto' : undefined);
    if (!kind) continue;
    const engine = override ? strictEngine(override, layer, rd, dir) : preferredEngine(kind, rd);
    chosen.set(String(layer.config.name), { engine, kind });
  }
  let converted: tf.io.ModelArtifacts;
  try {
    converted = convertLstmTopology(artifacts, (layer) => chosen.get(String(layer.config.name))?.engine.layerClass);
  } catch (e) {
    throw new InputError(`checkpoint ${dir}: ${(e as Error).message}`, { file: dir, exitCode: 1 });
  }
  return {
    artifacts: converted,
    attach(model) {
      for (const layer of model.layers) {
        const c = chosen.get(layer.name);
        if (!c) continue;
        c.engine.adopt(layer);
        noteRequestedLstmKind(layer, c.kind);
      }
    },
  };
}
