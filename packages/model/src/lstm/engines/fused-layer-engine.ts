import { FusedLSTM } from '../fused-lstm';
import type { LstmEngine } from '../lstm-engine';
import { kerasLstmArgs } from '../lstm-layer-config';
import type { LstmSequenceMath } from '../lstm-sequence-math';

/** What differs between engines whose layers are FusedLSTM: where the math runs, and the step cell. */
export interface FusedEngineParts extends Pick<LstmEngine, 'name' | 'priority' | 'supports' | 'available' | 'createStepCell'> {
  /** A new sequence math (one per layer: it may keep per-layer workspaces); its `name` is the engine's. */
  math(): LstmSequenceMath;
}

/** An engine whose layers are FusedLSTM (saved as such) with their sequence math from `parts.math`. */
export function fusedLayerEngine(parts: FusedEngineParts): LstmEngine {
  const { math, ...rest } = parts;
  return {
    ...rest,
    layerClass: 'FusedLSTM',
    createLayer: (config) => new FusedLSTM({ ...kerasLstmArgs(config), seed: config.seed, engine: math() }),
    runs: (layer) => layer instanceof FusedLSTM && layer.engineName === parts.name,
    adopt: (layer) => (layer as FusedLSTM).setEngine(math()),
  };
}
