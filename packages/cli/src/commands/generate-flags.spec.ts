import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import { lengthInTokens, lengthSpec, pitchList, primerPitchTokens, samplerSets, tempoSets } from './generate-flags';

const seedSink = (options: Record<string, unknown> = {}) => ({ sink: { type: 'seed-midi', options: { step: 0.5, noteLength: 1, ...options } } });

describe('generate flags (issue 18 item 10)', () => {
  it('--length takes tokens, seconds or bars; a duration becomes tokens at the sink tempo', () => {
    expect(lengthSpec('500')).toEqual({ tokens: 500 });
    expect(lengthSpec('30s')).toEqual({ seconds: 30 });
    expect(lengthSpec('8bars')).toEqual({ bars: 8 });
    expect(() => lengthSpec('many')).toThrow(/whole number of tokens .* seconds \(e\.g\. 30s\) or 4\/4 bars/);
    expect(lengthInTokens({ seconds: 30 }, seedSink())).toEqual({ tokens: 120, note: '--length 30s: 120 tokens (a token every 0.5 quarter at 120 qpm)' });
    expect(lengthInTokens({ seconds: 30 }, seedSink({ tempo: 60 })).tokens).toBe(60);
    expect(lengthInTokens({ bars: 8 }, seedSink()).tokens).toBe(64);
    expect(() => lengthInTokens({ bars: 8 }, { sink: { type: 'timed-midi', options: {} } })).toThrow(/needs the seed-midi sink/);
  });

  it('shortcuts choose the sampler and its option; conflicting flags are one line', () => {
    expect(samplerSets('argmax', { temperature: 0.8 })).toEqual(['sampler={type: "temperature"}', 'sampler.options.t=0.8']);
    expect(samplerSets('top-k', { topK: 5, temperature: 0.7 })).toEqual(['sampler.options.t=0.7', 'sampler.options.k=5']);
    expect(samplerSets('argmax', { topP: 0.95 })).toEqual(['sampler={type: "top-p"}', 'sampler.options.p=0.95']);
    expect(samplerSets('argmax', { sampler: 'top-p', topP: 0.95 })).toEqual(['sampler={type: "top-p"}', 'sampler.options.p=0.95']);
    expect(() => samplerSets('argmax', { sampler: 'top-k', temperature: 0.8 })).toThrow('--sampler top-k conflicts with --temperature, which chooses the temperature sampler; drop one of them');
    expect(() => samplerSets('argmax', { topK: 3, topP: 0.9 })).toThrow(InputError);
  });

  it('--qpm sets the sink tempo; --primer-pitches uses the run’s own spelling', () => {
    expect(tempoSets('seed-midi', 90)).toEqual(['sink.options.tempo=90']);
    expect(tempoSets('timed-midi', 90)).toEqual(['sink.options.tempo=90', 'sink.options.tempoFrom=tempo']);
    expect(() => tempoSets('my-sink', 90)).toThrow(/--qpm sets the tempo of the seed-midi and timed-midi sinks/);
    expect(pitchList('60 62, 64')).toEqual([60, 62, 64]);
    expect(() => pitchList('60 128')).toThrow(/MIDI note numbers from 0 to 127/);
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'pitches-'));
    fs.writeFileSync(path.join(run, 'vocab.json'), JSON.stringify(['C4', 'D-4', 'E4', '0.4.7']));
    expect(primerPitchTokens(run, [60, 61, 64, 66])).toEqual(['C4', 'D-4', 'E4', 'F#4']);
    fs.writeFileSync(path.join(run, 'vocab.json'), JSON.stringify(['60|0|1']));
    expect(() => primerPitchTokens(run, [60])).toThrow(/tokens are timed/);
    fs.rmSync(run, { recursive: true, force: true });
  });
});
