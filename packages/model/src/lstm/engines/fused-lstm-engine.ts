import { FusedLSTM } from '../fused-lstm';
import type { LstmEngine } from '../lstm-engine';
import { kerasLstmArgs } from '../lstm-layer-config';
import { FusedLstmStepCell } from '../step/fused-step-cell';
import { TfjsLstmMath } from '../tfjs-lstm-math';

/** FusedLSTM on tfjs ops (any tfjs backend; hand-written cell kernels on wasm and cpu). Always available. */
export const fusedLstmEngine: LstmEngine = {
  name: 'fused',
  priority: 20,
  supports: { recurrentDropout: true, statefulStep: true },
  layerClass: 'FusedLSTM',
  available: () => ({ available: true }),
  createLayer: (config) => new FusedLSTM({ ...kerasLstmArgs(config), seed: config.seed, engine: new TfjsLstmMath() }),
  runs: (layer) => layer instanceof FusedLSTM && layer.engineName === 'fused',
  adopt: (layer) => (layer as FusedLSTM).setEngine(new TfjsLstmMath()),
  createStepCell: (_layer, weights) => new FusedLstmStepCell(weights),
};
