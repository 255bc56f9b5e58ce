import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { InputError, type BackendChoice, type Logger } from '@piano-lstm/core';
import { registerFastWasmKernels } from './lstm';

export interface BackendInfo {
  /** What was chosen: `node`, `wasm` or `cpu` (recorded in the run folder). */
  name: 'node' | 'wasm' | 'cpu';
  /** The tfjs backend name behind it (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
}

const TF_NAME = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' } as const;

let chosen: BackendInfo | undefined;

/** tfjs-node is an optional dependency: its install downloads libtensorflow, which fails offline. */
function loadNodeBackend(): boolean {
  try {
     
    require('@tensorflow/tfjs-node');
    return tf.findBackendFactory('tensorflow') !== null;
  } catch {
    return false;
  }
}

async function trySet(name: BackendInfo['name']): Promise<boolean> {
  if (name === 'node' && !loadNodeBackend()) return false;
  try {
    const ok = await tf.setBackend(TF_NAME[name]);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === TF_NAME[name];
  } catch {
    return false;
  }
}

/**
 * Picks the tfjs backend: `auto` = tfjs-node if it loads, else wasm, else cpu. Prints the choice once
 * (`backend: wasm`) and returns it so the run folder can record it. Calling again with the same choice
 * is free; an explicit choice that cannot load is an error naming the fix.
 */
export async function initBackend(choice: BackendChoice, log?: Logger): Promise<BackendInfo> {
  if (chosen && (choice === 'auto' || choice === chosen.name) && tf.getBackend() === chosen.tfBackend) return chosen;
  const order: BackendInfo['name'][] = choice === 'auto' ? ['node', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    if (await trySet(name)) {
      chosen = { name, tfBackend: TF_NAME[name] };
      // The cpu backend nags once about tfjs-node; our own `backend:` line (and the README) already say it.
      if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      // Embeddings and stock layers hit the same wasm slow paths as the LSTM (transposed matMuls,
      // whole-tensor slices, no UnsortedSegmentSum); the replacements are idempotent.
      if (name === 'wasm') registerFastWasmKernels();
      log?.info(`backend: ${name}`);
      return chosen;
    }
  }
  const fix =
    choice === 'node'
      ? 'install @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node@4.22.0) or set backend: auto'
      : 'set backend: auto';
  throw new InputError(`backend '${choice}' could not be loaded; ${fix}`, { exitCode: 1 });
}
