import { ConfigError, defineOptions, optionsParser, type OptionsSchema, type Rng, type Sampler, type StageFactory } from '@piano-lstm/core';
import { checkRepetitionPenalty, REPETITION_PENALTY_OPTIONS, RepetitionPenalty, type RepetitionPenaltyOptions } from './repetition-penalty';

export interface SamplerOptions {
  /** Temperature: 1 keeps the model's distribution, → 0 approaches argmax, 0 is argmax. */
  t?: number;
  k?: number;
  p?: number;
  repetitionPenalty?: RepetitionPenaltyOptions;
}

/** Index of the largest value; the first one on ties (numpy.argmax). */
export function argmaxOf(values: ArrayLike<number>): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > bestV) {
      bestV = values[i];
      best = i;
    }
  }
  return best;
}

/**
 * Common path of every sampler: repetition penalty, then `pick` on the reweighted distribution.
 * Subclasses only choose the support and the weights.
 */
abstract class BaseSampler implements Sampler {
  private readonly penalty?: RepetitionPenalty;

  constructor(options: SamplerOptions) {
    this.penalty = options.repetitionPenalty ? new RepetitionPenalty(options.repetitionPenalty) : undefined;
  }

  reweight(probabilities: Float32Array | readonly number[], history: readonly number[]): Float32Array {
    const out = this.penalty ? this.penalty.apply(probabilities, history) : Float32Array.from(probabilities);
    let sum = 0;
    for (let i = 0; i < out.length; i++) {
      if (!(out[i] > 0)) out[i] = 0; // NaN and negatives (numerical noise) carry no mass
      sum += out[i];
    }
    if (sum > 0) for (let i = 0; i < out.length; i++) out[i] /= sum;
    return out;
  }

  sample(probabilities: Float32Array | readonly number[], rng: Rng, history: readonly number[]): number {
    if (probabilities.length === 0) throw new RangeError('cannot sample from an empty distribution');
    const p = this.reweight(probabilities, history);
    return this.pick(p, rng);
  }

  protected abstract pick(p: Float32Array, rng: Rng): number;
}

export class ArgmaxSampler extends BaseSampler {
  protected pick(p: Float32Array): number {
    return argmaxOf(p);
  }
}

/** Sharpens (t < 1) or flattens (t > 1) the distribution: weights p_i^(1/t), computed in log space. */
export function temperatureWeights(p: Float32Array, support: readonly number[], t: number): Float64Array {
  const w = new Float64Array(support.length);
  let maxLog = -Infinity;
  for (const i of support) if (p[i] > 0) maxLog = Math.max(maxLog, Math.log(p[i]));
  support.forEach((i, j) => {
    w[j] = p[i] > 0 ? Math.exp((Math.log(p[i]) - maxLog) / t) : 0;
  });
  return w;
}

/** Draws one of `support` with the given weights, using one uniform number from `rng`. */
function drawWeighted(support: readonly number[], weights: Float64Array, rng: Rng): number {
  let total = 0;
  for (let j = 0; j < weights.length; j++) total += weights[j];
  const u = rng.next() * total;
  let acc = 0;
  let lastPositive = support[0];
  for (let j = 0; j < weights.length; j++) {
    if (weights[j] <= 0) continue;
    acc += weights[j];
    lastPositive = support[j];
    if (u < acc) return support[j];
  }
  return lastPositive; // u landed on the rounding error at the top
}

/** Indices sorted by probability, largest first; equal values keep index order (deterministic). */
function byProbability(p: Float32Array): number[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  return idx.sort((a, b) => p[b] - p[a] || a - b);
}

export class TemperatureSampler extends BaseSampler {
  constructor(private readonly opts: SamplerOptions & { t: number }) {
    super(opts);
  }
  protected pick(p: Float32Array, rng: Rng): number {
    if (this.opts.t === 0) return argmaxOf(p);
    const support = Array.from({ length: p.length }, (_, i) => i);
    return drawWeighted(support, temperatureWeights(p, support, this.opts.t), rng);
  }
}

/** The k most likely tokens (ties resolved by lower index). */
export function topKSupport(p: Float32Array, k: number): number[] {
  return byProbability(p).slice(0, Math.min(k, p.length));
}

/** The smallest set of most likely tokens whose mass reaches `top` of the total (always ≥ 1 token). */
export function nucleusSupport(p: Float32Array | Float64Array, top: number): number[] {
  const order = byProbability(p as Float32Array);
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i];
  const out: number[] = [];
  let acc = 0;
  for (const i of order) {
    out.push(i);
    acc += p[i];
    if (acc >= top * total) break;
  }
  return out;
}

export class TopKSampler extends BaseSampler {
  constructor(private readonly opts: SamplerOptions & { t: number; k: number }) {
    super(opts);
  }
  protected pick(p: Float32Array, rng: Rng): number {
    if (this.opts.t === 0) return argmaxOf(p);
    const support = topKSupport(p, this.opts.k);
    return drawWeighted(support, temperatureWeights(p, support, this.opts.t), rng);
  }
}

/** Nucleus sampling: temperature first, then the smallest set reaching mass `p` (Holtzman et al.). */
export class TopPSampler extends BaseSampler {
  constructor(private readonly opts: SamplerOptions & { t: number; p: number }) {
    super(opts);
  }
  protected pick(p: Float32Array, rng: Rng): number {
    if (this.opts.t === 0) return argmaxOf(p);
    const all = Array.from({ length: p.length }, (_, i) => i);
    const tempered = Float32Array.from(temperatureWeights(p, all, this.opts.t));
    const support = nucleusSupport(tempered, this.opts.p);
    const w = new Float64Array(support.map((i) => tempered[i]));
    return drawWeighted(support, w, rng);
  }
}

const T = defineOptions({ t: { type: 'number', default: 1, min: 0, max: 100, description: 'temperature: 1 keeps the model’s distribution, 0 is argmax' } });

function samplerFactory<O extends SamplerOptions>(type: string, description: string, own: OptionsSchema, make: (o: O) => Sampler): StageFactory<Sampler, O> {
  const options = { ...own, ...REPETITION_PENALTY_OPTIONS };
  return {
    stage: 'Sampler',
    type,
    description,
    options,
    parseOptions: optionsParser(options, (o, path) => {
      checkRepetitionPenalty(o.repetitionPenalty, path);
      return o as unknown as O;
    }),
    create: (o) => make(o),
  };
}

export const argmaxSamplerFactory = samplerFactory('argmax', 'the notebook: the most likely token (deterministic); optional repetitionPenalty', {}, (o) => new ArgmaxSampler(o));

export const temperatureSamplerFactory = samplerFactory<SamplerOptions & { t: number }>(
  'temperature',
  'draw from p^(1/t) (t: 1 = the model, 0 = argmax); optional repetitionPenalty',
  T,
  (o) => new TemperatureSampler(o),
);

export const topKSamplerFactory = samplerFactory<SamplerOptions & { t: number; k: number }>(
  'top-k',
  'draw among the k most likely tokens (k, t); optional repetitionPenalty',
  { k: { type: 'int', default: 8, min: 1, max: 1_000_000, description: 'how many of the most likely tokens to draw among' }, ...T },
  (o) => new TopKSampler(o),
);

export const topPSamplerFactory = samplerFactory<SamplerOptions & { t: number; p: number }>(
  'top-p',
  'nucleus: draw among the most likely tokens holding mass p (p, t); optional repetitionPenalty',
  { p: { type: 'number', default: 0.9, min: 0, max: 1, minExclusive: true, description: 'probability mass the drawn-from set holds (after temperature)' }, ...T },
  (o) => new TopPSampler(o),
);

export const samplerFactories = [argmaxSamplerFactory, temperatureSamplerFactory, topKSamplerFactory, topPSamplerFactory];

/** Builds a sampler without a registry (tests, benchmarks). */
export function createSampler(type: string, raw: unknown = {}): Sampler {
  const f = samplerFactories.find((s) => s.type === type);
  if (!f) throw new ConfigError('sampler.type', `unknown Sampler type '${type}' (known: ${samplerFactories.map((s) => s.type).join(', ')})`);
  const o = (f as StageFactory<Sampler, unknown>).parseOptions(raw, 'sampler.options');
  return (f as StageFactory<Sampler, unknown>).create(o, undefined as never);
}
