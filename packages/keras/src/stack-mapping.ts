import { InputError } from '@piano-lstm/core';
import type { StackOptions } from '@piano-lstm/model';
import type { KerasArchitecture, KerasLayer } from './keras-architecture';

/** The builder options a Keras stack corresponds to (piano-lstm's `lstm-stack` shape). */
export type StackShape = Omit<StackOptions, 'lstm' | 'optimizer' | 'learningRate' | 'embedding'>;

export interface MappedNetwork {
  builder: 'seed-doc' | 'seed-repo' | 'lstm';
  stack: StackShape;
  encoder: { type: 'seed-scalar'; options: { sequenceLength: number; stride: 1; crossPieces: true } } | { type: 'embedding'; options: { sequenceLength: number; stride: 1; crossPieces: true; dim: number } };
  /** Size of the output softmax. */
  outputs: number;
}

const DENSE_ACTIVATIONS = ['linear', 'relu', 'tanh', 'elu', 'sigmoid'];

export const SEED_DOC_SHAPE: StackShape = { layers: [256, 512, 256], dense: [256], denseActivation: 'linear', dropout: 0.3, recurrentDropout: 0, batchNorm: false, dropoutAfter: 'inner-lstms' };
export const SEED_REPO_SHAPE: StackShape = { layers: [512, 512, 512], dense: [256], denseActivation: 'relu', dropout: 0.3, recurrentDropout: 0.3, batchNorm: true, dropoutAfter: 'last-lstm' };

/**
 * The layer kinds `buildStack` makes for `s`, in order (`activation:<name>` for activations);
 * a Keras model imports only when its own sequence is exactly this.
 */
export function stackLayout(s: StackShape, embedding: boolean): string[] {
  const out: string[] = embedding ? ['embedding'] : [];
  s.layers.forEach((_, i) => {
    const last = i === s.layers.length - 1;
    out.push('lstm');
    if (last && s.batchNorm) out.push('batchnorm');
    const dropHere = s.dropoutAfter === 'inner-lstms' ? !last : last;
    if (dropHere && s.dropout > 0) out.push('dropout');
  });
  for (let i = 0; i < s.dense.length; i++) {
    out.push('dense');
    if (s.denseActivation !== 'linear') out.push(`activation:${s.denseActivation}`);
    if (s.batchNorm) out.push('batchnorm');
    if (s.dropout > 0) out.push('dropout');
  }
  out.push('dense', 'activation:softmax');
  return out;
}

const kindOf = (l: KerasLayer) => (l.kind === 'activation' ? `activation:${l.activation}` : l.kind);

/** Maps a Keras Sequential stack onto the seed-doc, seed-repo or general `lstm` builder, or says why it cannot. */
export function mapArchitecture(arch: KerasArchitecture, file: string): MappedNetwork {
  const fail = (why: string) => new InputError(`${file}: ${why}`, { file });
  const L = arch.layers;
  const lstms = L.filter((l): l is Extract<KerasLayer, { kind: 'lstm' }> => l.kind === 'lstm');
  const denses = L.filter((l): l is Extract<KerasLayer, { kind: 'dense' }> => l.kind === 'dense');
  if (lstms.length === 0) throw fail('the model has no LSTM layer; piano-lstm imports LSTM stacks');
  if (denses.length === 0 || L[L.length - 1]?.kind !== 'activation' || kindOf(L[L.length - 1]) !== 'activation:softmax') {
    throw fail('the model does not end in Dense(n_vocab) → softmax, as the notebook\'s does');
  }
  lstms.forEach((l, i) => {
    if (l.returnSequences !== (i < lstms.length - 1)) throw fail(`LSTM '${l.name}' has return_sequences=${l.returnSequences}; only the last LSTM may return one vector`);
    if (l.dropout > 0) throw fail(`LSTM '${l.name}' has input dropout ${l.dropout}; piano-lstm's LSTM stacks use Dropout layers between LSTMs instead`);
  });
  const rates = [...new Set(L.filter((l) => l.kind === 'dropout').map((l) => (l as { rate: number }).rate))];
  if (rates.length > 1) throw fail(`its Dropout layers use different rates (${rates.join(', ')}); piano-lstm uses one rate for the whole stack`);
  const hiddenActs = L.filter((l) => l.kind === 'activation' && l.activation !== 'softmax').map((l) => (l as { activation: string }).activation);
  const acts = [...new Set(hiddenActs)];
  if (acts.length > 1 || (acts[0] && !DENSE_ACTIVATIONS.includes(acts[0]))) throw fail(`hidden activations ${acts.join(', ')} cannot be expressed (one of ${DENSE_ACTIVATIONS.join(', ')} for every hidden Dense)`);
  const lastLstm = L.indexOf(lstms[lstms.length - 1]);
  const next = L[lastLstm + 1]?.kind === 'batchnorm' ? L[lastLstm + 2] : L[lastLstm + 1];
  const embedding = L[0].kind === 'embedding' ? (L[0] as Extract<KerasLayer, { kind: 'embedding' }>) : undefined;
  const stack: StackShape = {
    layers: lstms.map((l) => l.units),
    dense: denses.slice(0, -1).map((d) => d.units),
    denseActivation: (acts[0] ?? 'linear') as StackShape['denseActivation'],
    dropout: rates[0] ?? 0,
    recurrentDropout: Math.max(...lstms.map((l) => l.recurrentDropout)),
    batchNorm: L.some((l) => l.kind === 'batchnorm'),
    dropoutAfter: next?.kind === 'dropout' ? 'last-lstm' : 'inner-lstms',
  };
  const want = stackLayout(stack, Boolean(embedding));
  const got = L.map(kindOf);
  if (want.join() !== got.join()) {
    throw fail(`its layer order (${got.join(' → ')}) is not one piano-lstm builds (closest: ${want.join(' → ')})`);
  }
  const window = { sequenceLength: arch.sequenceLength, stride: 1 as const, crossPieces: true as const };
  return {
    builder: same(stack, SEED_DOC_SHAPE) ? 'seed-doc' : same(stack, SEED_REPO_SHAPE) ? 'seed-repo' : 'lstm',
    stack,
    encoder: embedding ? { type: 'embedding', options: { ...window, dim: embedding.outputDim } } : { type: 'seed-scalar', options: window },
    outputs: denses[denses.length - 1].units,
  };
}

function same(a: StackShape, b: StackShape): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
