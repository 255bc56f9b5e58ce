import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { Encoder, ModelBuilder, RunFolder, experimentToYaml, type Piece } from '@piano-lstm/core';
import { corpusFingerprint, saveCheckpoint, type TokenEncoder } from '@piano-lstm/model';
import { loadExperiment, type Output } from '../app';
import { buildProgram } from '../program';
import { runContainer } from '../run-stages';

const silent = { info: () => undefined, warn: () => undefined, debug: () => undefined };
export const RUN_CONFIG = `name: gen-test
seed: 3
backend: cpu
source: { type: music21, paths: ["builtin:classical-mini"] }
encoder: { type: seed-scalar, options: { sequenceLength: 8 } }
model: { type: lstm, options: { layers: [8, 8], dense: [8], lstm: layers } }
trainer: { type: supervised, options: { epochs: 1 } }
sampler: { type: argmax }
generate: { length: 12, count: 1, primer: random-window }
sink: { type: seed-midi }
`;

/** A run folder as `train` leaves it: config.yaml, vocab.json, checkpoints/<name>, best. */
export async function makeRun(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const yamlFile = path.join(dir, 'source.yaml');
  fs.writeFileSync(yamlFile, RUN_CONFIG);
  const loaded = loadExperiment(yamlFile);
  fs.writeFileSync(path.join(dir, 'config.yaml'), experimentToYaml(loaded.experiment));
  const stages = runContainer(loaded, silent);
  const encoder = stages.get<TokenEncoder>(Encoder);
  const pieces: Piece[] = [{ path: 'x', tokens: ['C4', 'E4', 'G4', '4.7', 'C5', 'B4', 'A4', '0.4.7', 'D5', 'F#4', 'E-4'] }];
  encoder.fit(pieces);
  const builder = stages.get<ModelBuilder<tf.LayersModel>>(ModelBuilder);
  const model = await builder.build({ vocabSize: encoder.vocabSize, sequenceLength: 8, inputKind: encoder.inputKind, targetKind: encoder.targetKind });
  await saveCheckpoint(path.join(dir, 'checkpoints', 'epoch-01'), {
    model,
    encoder,
    config: loaded.experiment,
    fingerprint: corpusFingerprint(pieces),
    state: { epoch: 1, step: 0, globalStep: 1, rng: {}, metrics: { loss: 1 } },
  });
  model.dispose();
  RunFolder.at(dir).mark('best', 'epoch-01');
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(encoder.vocabulary));
}

/** `piano-lstm <args>` in-process, its output collected. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Output = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await buildProgram(io).run(args);
  return { code, out, err };
}

