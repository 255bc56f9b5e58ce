import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './helpers/cli';

const good = `name: errors
seed: 1
source: { type: music21, paths: [builtin:classical-mini] }
encoder: { type: seed-scalar, options: { sequenceLength: 100 } }
model:
  type: seed-doc
  options: { dropout: 0.3 }
trainer: { type: supervised, options: { epochs: 1 } }
sampler: { type: argmax }
sink: { type: seed-midi }
`;

/** The exact one-line messages users see for the three classic config mistakes (issue #3). */
const cases = [
  {
    name: 'a typo in a key names the nearest valid key',
    yaml: good.replace('dropout: 0.3', 'dropuot: 0.3'),
    message: "model.yaml:7:14 model.options.dropuot: unknown key 'dropuot' (did you mean 'dropout'?)",
  },
  {
    name: 'a bad value names the rule',
    yaml: good.replace('dropout: 0.3', 'dropout: 1.4'),
    message: 'model.yaml:7:23 model.options.dropout: 1.4 is out of range (0 ≤ dropout < 1)',
  },
  {
    name: 'an unknown type lists the known ones',
    yaml: good.replace('{ type: argmax }', '{ type: nucleus }'),
    message: "model.yaml:9:18 unknown Sampler type 'nucleus' at sampler.type (known: argmax, temperature, top-k, top-p)",
  },
];

describe('bad configs exit 2 with one exact line, before any work', () => {
  it.each(cases)('$name', ({ yaml, message }) => {
    const dir = tempDir();
    const file = path.join(dir, 'model.yaml');
    fs.writeFileSync(file, yaml);
    const runs = path.join(dir, 'runs');
    for (const command of ['run', 'train']) {
      const r = runCli([command, file, '--runs', runs]);
      expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 2, stderr: `${dir}/${message}` });
      expect(r.stdout).not.toContain('run folder:');
    }
    expect(fs.existsSync(runs)).toBe(false); // nothing started
  });

  it('--set overrides are validated the same way', () => {
    const dir = tempDir();
    const file = path.join(dir, 'model.yaml');
    fs.writeFileSync(file, good);
    const r = runCli(['train', file, '--set', 'trainer.options.epochs=0', '--runs', path.join(dir, 'runs')]);
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({
      code: 2,
      stderr: '--set trainer.options.epochs=0 trainer.options.epochs: 0 is out of range (1 ≤ epochs ≤ 1000000)',
    });
  });

  it('a missing config file is one line, exit 2', () => {
    const r = runCli(['run', 'no/such.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('cannot read config no/such.yaml: ENOENT (check the path)');
  });
});
