import * as fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { InputError, RunFolder, TIMED_TOKEN_SEPARATOR, type Experiment } from '@piano-lstm/core';
import { keyOfPitchName, pitchName } from '@piano-lstm/midi-io';

/** The flags people know from Magenta's and the notebook's tools, as `generate` takes them. */
export interface GenerationFlags {
  sampler?: string;
  temperature?: number;
  topK?: number;
  topP?: number;
  qpm?: number;
  length?: LengthSpec;
  primerPitches?: number[];
}

/** `--length`: tokens, or a duration turned into tokens once the run's sink is known. */
export type LengthSpec = { tokens: number } | { seconds: number } | { bars: number };

export function numberIn(name: string, min: number, max: number, minExclusive = false) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n > max || n < min || (minExclusive && n === min)) {
      throw new InvalidArgumentError(`${name} must be a number ${minExclusive ? 'above' : 'from'} ${min}${minExclusive ? ' and at most' : ' to'} ${max}`);
    }
    return n;
  };
}

/** `500` (tokens), `30s` (seconds) or `8bars` (4/4 bars). */
export function lengthSpec(value: string): LengthSpec {
  const v = value.trim().toLowerCase();
  const tokens = /^\d+$/.exec(v);
  if (tokens && Number(v) >= 1 && Number(v) <= 1_000_000) return { tokens: Number(v) };
  const seconds = /^(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)$/.exec(v);
  if (seconds && Number(seconds[1]) > 0 && Number(seconds[1]) <= 36_000) return { seconds: Number(seconds[1]) };
  const bars = /^(\d+)\s*bars?$/.exec(v);
  if (bars && Number(bars[1]) >= 1 && Number(bars[1]) <= 10_000) return { bars: Number(bars[1]) };
  throw new InvalidArgumentError('--length must be a whole number of tokens from 1 to 1000000 (e.g. 500), seconds (e.g. 30s) or 4/4 bars (e.g. 8bars)');
}

/** `"60 62 64"` (commas also separate) → [60, 62, 64]. */
export function pitchList(value: string): number[] {
  const parts = value.split(/[\s,]+/).filter(Boolean);
  const pitches = parts.map(Number);
  if (parts.length === 0 || pitches.some((p) => !Number.isInteger(p) || p < 0 || p > 127)) {
    throw new InvalidArgumentError('--primer-pitches takes MIDI note numbers from 0 to 127, e.g. "60 62 64" (60 = middle C)');
  }
  return pitches;
}

/** The sampler the shortcuts choose, and the flag that chose it (for messages). */
function shortcutSampler(f: GenerationFlags): { type: string; flag: string } | undefined {
  if (f.topK !== undefined && f.topP !== undefined) throw new InputError('--top-k and --top-p choose different samplers; give one of them');
  if (f.topK !== undefined) return { type: 'top-k', flag: '--top-k' };
  if (f.topP !== undefined) return { type: 'top-p', flag: '--top-p' };
  if (f.temperature !== undefined) return { type: 'temperature', flag: '--temperature' };
  return undefined;
}

/**
 * `--set` overrides for the sampler: `--sampler X` or a shortcut (`--temperature 0.8` is the
 * temperature sampler with t 0.8; `--top-k 5 --temperature 0.8` is top-k with k 5, t 0.8). A type
 * other than the run's starts from that type's defaults (the old options may not apply).
 */
export function samplerSets(runSamplerType: string | undefined, f: GenerationFlags): string[] {
  const shortcut = shortcutSampler(f);
  if (f.sampler !== undefined && shortcut && f.sampler !== shortcut.type) {
    throw new InputError(`--sampler ${f.sampler} conflicts with ${shortcut.flag}, which chooses the ${shortcut.type} sampler; drop one of them`);
  }
  const type = f.sampler ?? shortcut?.type;
  if (type === undefined) return [];
  const sets = type === runSamplerType ? [] : [`sampler={type: ${JSON.stringify(type)}}`];
  if (f.temperature !== undefined) sets.push(`sampler.options.t=${f.temperature}`);
  if (f.topK !== undefined) sets.push(`sampler.options.k=${f.topK}`);
  if (f.topP !== undefined) sets.push(`sampler.options.p=${f.topP}`);
  return sets;
}

/** `--qpm`: the tempo option of the run's sink (timed-midi: also stop taking the primer's tempo). */
export function tempoSets(sinkType: string, qpm: number | undefined): string[] {
  if (qpm === undefined) return [];
  if (sinkType === 'seed-midi') return [`sink.options.tempo=${qpm}`];
  if (sinkType === 'timed-midi') return [`sink.options.tempo=${qpm}`, 'sink.options.tempoFrom=tempo'];
  throw new InputError(`--qpm sets the tempo of the seed-midi and timed-midi sinks; this run writes with '${sinkType}' (set its own option with --set sink.options.…)`);
}

/**
 * Tokens for `--length`. A duration needs the seed-midi sink, where token i starts at i × step
 * quarters; other sinks place tokens by their own timing, so only a token count is exact there.
 */
export function lengthInTokens(spec: LengthSpec, experiment: Pick<Experiment, 'sink'>): { tokens: number; note?: string } {
  if ('tokens' in spec) return { tokens: spec.tokens };
  const shown = 'seconds' in spec ? `${spec.seconds}s` : `${spec.bars}bars`;
  if (experiment.sink.type !== 'seed-midi') {
    throw new InputError(`--length ${shown} needs the seed-midi sink (a token every 'step' quarters); this run writes with '${experiment.sink.type}', whose tokens vary in length: give --length in tokens`);
  }
  const o = experiment.sink.options as { step?: number; tempo?: number };
  const step = o.step ?? 0.5;
  const qpm = o.tempo ?? 120;
  const quarters = 'seconds' in spec ? (spec.seconds * qpm) / 60 : spec.bars * 4;
  const tokens = Math.max(1, Math.ceil(quarters / step - 1e-9));
  return { tokens, note: `--length ${shown}: ${tokens} tokens (a token every ${step} quarter at ${qpm} qpm)` };
}

/**
 * `--primer-pitches 60 62 64` as tokens of the run's vocabulary: each pitch becomes the run's own
 * spelling of it (`C#4` or `D-4`, whichever the run learned), else music21's default name (then
 * dropped with the usual warning if the run never saw that pitch alone).
 */
export function primerPitchTokens(runDir: string, pitches: readonly number[]): string[] {
  const vocab = readVocabulary(runDir);
  if (vocab.some((t) => t.includes(TIMED_TOKEN_SEPARATOR))) {
    throw new InputError(`--primer-pitches needs a run whose tokens are pitch names; this run's tokens are timed (pitch${TIMED_TOKEN_SEPARATOR}gap${TIMED_TOKEN_SEPARATOR}duration): give --primer file.mid`);
  }
  return pitches.map((p) => {
    const spelled = vocab.filter((t) => keyOfPitchName(t) === p);
    return spelled.includes(pitchName(p)) ? pitchName(p) : (spelled[0] ?? pitchName(p));
  });
}

function readVocabulary(runDir: string): string[] {
  const file = RunFolder.at(runDir).file('vocab');
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    const list = Array.isArray(raw) ? raw : (raw as { vocabulary?: unknown })?.vocabulary;
    return Array.isArray(list) ? list.map(String) : [];
  } catch {
    return []; // no vocab.json: the checkpoint's vocabulary decides, with its own message
  }
}
