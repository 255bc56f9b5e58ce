import { FusedLstmStepCell } from '../step/fused-step-cell';
import { TfjsLstmMath } from '../tfjs-lstm-math';
import { fusedLayerEngine } from './fused-layer-engine';

/** FusedLSTM on tfjs ops (any tfjs backend; hand-written cell kernels on wasm and cpu). Always available. */
export const fusedLstmEngine = fusedLayerEngine({
  name: 'fused',
  priority: 20,
  supports: { recurrentDropout: true, statefulStep: true },
  available: () => ({ available: true }),
  math: () => new TfjsLstmMath(),
  createStepCell: (_layer, weights) => new FusedLstmStepCell(weights),
});
