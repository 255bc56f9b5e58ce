import { InputError, type MultiHeadLayout, type Rng, type Sampler } from '@piano-lstm/core';

/**
 * Applies a sampler to each head of a multi-head model's output: head h's block of the
 * probabilities is drawn from on its own, with the history of head h's values (so a repetition
 * penalty on pitches looks at pitches, on durations at durations), and the draws are packed into
 * one step id. The generic generation loops only store and feed back ids, so they work unchanged.
 */
export class PerHeadSampler implements Sampler {
  constructor(
    readonly inner: Sampler,
    readonly layout: MultiHeadLayout,
  ) {}

  sample(probabilities: Float32Array | readonly number[], rng: Rng, history: readonly number[]): number {
    const heads = this.layout.heads;
    const width = heads[heads.length - 1].offset + heads[heads.length - 1].size;
    if (probabilities.length !== width) {
      throw new InputError(`the model predicts ${probabilities.length} values but the encoder's heads need ${width}; the checkpoint and vocabulary do not match`);
    }
    const split = history.map((id) => this.layout.split(id));
    const local = heads.map((h, i) => {
      const block = Float32Array.from(probabilities.slice(h.offset, h.offset + h.size) as ArrayLike<number>);
      return this.inner.sample(block, rng, split.map((s) => s[i]));
    });
    return this.layout.join(local);
  }
}

/** The sampler a generation loop should use for `encoder`: per head when it has several. */
export function samplerFor(sampler: Sampler, encoder: { multiHead?: MultiHeadLayout }, mode: string): Sampler {
  if (!encoder.multiHead) return sampler;
  if (mode === 'beam') {
    throw new InputError('generate.mode beam is not available for the multi-head encoder (its steps are drawn head by head); use mode: window or stateful');
  }
  return sampler instanceof PerHeadSampler ? sampler : new PerHeadSampler(sampler, encoder.multiHead);
}
