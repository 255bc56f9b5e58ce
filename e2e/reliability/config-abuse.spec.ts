import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/cli';
import { TINY_YAML, inParallel, runCliAsync } from './reliability-kit';

const inversify = JSON.stringify(require.resolve('inversify'));
const StageFactory = "Symbol.for('@piano-lstm/core/StageFactory')";

interface AbuseCase {
  name: string;
  /** The config file's text (written as `abuse.yaml`). */
  yaml: string;
  /** Extra files beside it (plugins, corpora). */
  files?: Record<string, string | Uint8Array>;
  /** The one line on stderr; `<dir>` is the case's folder. */
  message: string;
  /** Whether the failure comes before a run folder is made (config errors); corpus-level ones come after parsing. */
  beforeRunFolder?: boolean;
}

const edit = (from: string, to: string) => {
  if (!TINY_YAML.includes(from)) throw new Error(`tiny.yaml has no '${from}'`);
  return TINY_YAML.replace(from, to);
};

/** One pitch, 120 times: a corpus whose vocabulary is a single token. */
function oneNoteMidi(): Uint8Array {
  const track: number[] = [];
  for (let i = 0; i < 120; i++) track.push(0, 0x90, 60, 80, 0x83, 0x60, 0x80, 60, 0);
  track.push(0, 0xff, 0x2f, 0);
  const len = [(track.length >>> 24) & 255, (track.length >>> 16) & 255, (track.length >>> 8) & 255, track.length & 255];
  return Uint8Array.from([...Buffer.from('MThd'), 0, 0, 0, 6, 0, 0, 0, 1, 1, 0xe0, ...Buffer.from('MTrk'), ...len, ...track]);
}

const cases: AbuseCase[] = [
  {
    name: 'wrong type: a word where a number goes',
    yaml: edit('epochs: 1,', 'epochs: ten,'),
    message: "<dir>/abuse.yaml:6:49 trainer.options.epochs: expected an integer, got 'ten'",
    beforeRunFolder: true,
  },
  {
    name: 'wrong type: a number where options go',
    yaml: edit('options: { sequenceLength: 16 }', 'options: 7'),
    message: '<dir>/abuse.yaml:4:38 encoder.options: expected a mapping of options, got 7',
    beforeRunFolder: true,
  },
  {
    name: 'wrong type: a fraction where an integer goes',
    yaml: edit('sequenceLength: 16', 'sequenceLength: 16.5'),
    message: '<dir>/abuse.yaml:4:56 encoder.options.sequenceLength: expected an integer, got 16.5',
    beforeRunFolder: true,
  },
  {
    name: 'negative size: a layer of -16 units',
    yaml: edit('layers: [16]', 'layers: [-16]'),
    message: '<dir>/abuse.yaml:5:42 model.options.layers[0]: -16 is out of range (1 ≤ layers[0] ≤ 8192)',
    beforeRunFolder: true,
  },
  {
    name: 'negative size: batch size -4',
    yaml: edit('batchSize: 16', 'batchSize: -4'),
    message: '<dir>/abuse.yaml:6:63 trainer.options.batchSize: -4 is out of range (1 ≤ batchSize ≤ 65536)',
    beforeRunFolder: true,
  },
  {
    name: 'negative size: sequence length -1',
    yaml: edit('sequenceLength: 16', 'sequenceLength: -1'),
    message: '<dir>/abuse.yaml:4:56 encoder.options.sequenceLength: -1 is out of range (1 ≤ sequenceLength ≤ 100000)',
    beforeRunFolder: true,
  },
  {
    name: 'absurd size: a dense layer of 10^12 units',
    yaml: edit('dense: 16', 'dense: 1e12'),
    message: '<dir>/abuse.yaml:5:54 model.options.dense: 1000000000000 is out of range (1 ≤ dense ≤ 8192)',
    beforeRunFolder: true,
  },
  {
    name: 'no layers at all',
    yaml: edit('layers: [16]', 'layers: []'),
    message: '<dir>/abuse.yaml:5:41 model.options.layers: needs at least 1 item(s), got 0',
    beforeRunFolder: true,
  },
  {
    name: 'a run name that climbs out of the runs folder',
    yaml: edit('name: tiny', 'name: ../../escape'),
    message: "<dir>/abuse.yaml:1:7 name: '../../escape' may only use letters, digits, '.', '_' and '-' (it names the run folder)",
    beforeRunFolder: true,
  },
  {
    name: 'sequence length longer than the whole corpus',
    yaml: edit('sequenceLength: 16', 'sequenceLength: 100000'),
    // builtin:classical-mini with the music21 defaults (ties: merge): 5,320 tokens with ties: split
    message: 'the training pieces give no windows of 100000 tokens (5314 tokens in all); lower encoder.options.sequenceLength or add pieces',
  },
  {
    name: 'a vocabulary of one token',
    yaml: edit('paths: [builtin:classical-mini]', 'paths: [./one-note]'),
    files: { 'one-note/c4.mid': oneNoteMidi() },
    message:
      "<dir>/abuse.yaml:3:33 source.paths: the corpus holds a single distinct token ('C4', 120 times in 1 piece(s)); a model needs at least 2 — add pieces with other notes, or choose another source.options.part",
  },
  {
    name: 'missing corpus',
    yaml: edit('paths: [builtin:classical-mini]', 'paths: [./no-such-corpus]'),
    message:
      "<dir>/abuse.yaml:3:34 source.paths[0]: './no-such-corpus' does not exist (looked for <dir>/no-such-corpus); fix the path (relative paths start from the config file's folder) or use builtin:classical-mini",
    beforeRunFolder: true,
  },
  {
    name: 'a corpus folder without MIDI files',
    yaml: edit('paths: [builtin:classical-mini]', 'paths: [./notes-only]'),
    files: { 'notes-only/readme.txt': 'no music here\n' },
    message:
      '<dir>/abuse.yaml:3:33 source.paths: no usable notes in <dir>/notes-only: 1 file(s) skipped — <dir>/notes-only: folder holds no .mid or .midi files; point source.paths at MIDI files or folders',
  },
  {
    name: 'empty YAML',
    yaml: '',
    message: '<dir>/abuse.yaml the config is empty; start from configs/quickstart.yaml',
    beforeRunFolder: true,
  },
  {
    name: 'YAML syntax error: an unclosed list',
    yaml: 'name: x\nsource: { type: music21, paths: [a\nmodel: [\n',
    message: '<dir>/abuse.yaml:3:1 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    beforeRunFolder: true,
  },
  {
    name: 'YAML syntax error: a tab as indentation',
    yaml: 'name: x\n\tseed: 1\n',
    message: '<dir>/abuse.yaml:2:1 YAML syntax error: Tabs are not allowed as indentation',
    beforeRunFolder: true,
  },
  {
    name: 'YAML syntax error: a key given twice',
    yaml: `${TINY_YAML}seed: 8\n`,
    message: '<dir>/abuse.yaml:10:1 YAML syntax error: Map keys must be unique',
    beforeRunFolder: true,
  },
  {
    name: 'a list instead of a config',
    yaml: '- a\n- b\n',
    message: '<dir>/abuse.yaml:1:1 a config must be a mapping of sections (name, seed, backend, plugins, source, encoder, model, trainer, sampler, generate, sink)',
    beforeRunFolder: true,
  },
  {
    name: 'unknown plugin',
    yaml: `${TINY_YAML}plugins: [piano-lstm-plugin-nope]\n`,
    message: "<dir>/abuse.yaml:10:11 plugins[0]: cannot find plugin 'piano-lstm-plugin-nope' (install it with npm install piano-lstm-plugin-nope, or give a path starting with ./)",
    beforeRunFolder: true,
  },
  {
    name: 'a plugin that throws when required',
    yaml: `${TINY_YAML}plugins: [./throws-on-require]\n`,
    files: { 'throws-on-require/index.js': "throw new Error('boom: the plugin is broken');\n" },
    message: "<dir>/abuse.yaml:10:11 plugins[0]: plugin '<dir>/throws-on-require' failed to load: boom: the plugin is broken (fix or remove the plugin)",
    beforeRunFolder: true,
  },
  {
    name: "a plugin whose ContainerModule throws while binding",
    yaml: `${TINY_YAML}plugins: [./throws-on-bind]\n`,
    files: {
      'throws-on-bind/index.js': `const { ContainerModule } = require(${inversify});\nexports.brokenModule = new ContainerModule(() => { throw new TypeError("Cannot read properties of undefined (reading 'bind')"); });\n`,
    },
    message: "<dir>/abuse.yaml:10:11 plugins[0]: plugin '<dir>/throws-on-bind' failed to load: Cannot read properties of undefined (reading 'bind') (fix or remove the plugin)",
    beforeRunFolder: true,
  },
  {
    name: 'a plugin stage type whose option parser crashes',
    yaml: `${edit('sampler: { type: argmax }', 'sampler: { type: crashing }')}plugins: [./crashing-options]\n`,
    files: {
      'crashing-options/index.js':
        `const { ContainerModule } = require(${inversify});\nexports.crashingModule = new ContainerModule(({ bind }) => {\n` +
        `  bind(${StageFactory}).toConstantValue({ stage: 'Sampler', type: 'crashing', description: 'crashes', parseOptions: () => { throw new RangeError('bad\\nsecond line'); }, create: () => ({}) });\n});\n`,
    },
    message: "<dir>/abuse.yaml:7:10 sampler.options: Sampler type 'crashing' could not read its options: bad (check the options; if they look right, report this to the type's author)",
    beforeRunFolder: true,
  },
];

describe('config abuse: every broken config exits 2 with one exact line naming the path and the fix', () => {
  let results: { code: number; stderr: string; stdout: string; dir: string; runs: string }[];

  beforeAll(async () => {
    results = await inParallel(cases, 3, async (c) => {
      const dir = fs.realpathSync(tempDir('piano-lstm-abuse-'));
      fs.writeFileSync(path.join(dir, 'abuse.yaml'), c.yaml);
      for (const [rel, content] of Object.entries(c.files ?? {})) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
      }
      const runs = path.join(dir, 'runs');
      const r = await runCliAsync(['train', path.join(dir, 'abuse.yaml'), '--runs', runs], { cwd: dir, env: { PIANO_LSTM_CACHE: path.join(dir, 'cache') } });
      return { ...r, dir, runs };
    });
  }, 240_000);

  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = cases[i];
    const r = results[i];
    // progress lines (backend, parse counts, skipped-file warnings) may come first; the error is the one other line
    const lines = r.stderr.split('\n').filter((l) => l && !/^(backend: |lstm: |parsed \d+ files?|corpus: |warning: )/.test(l));
    expect({ code: r.code, error: lines }).toEqual({ code: 2, error: [c.message.replaceAll('<dir>', r.dir)] });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (c.beforeRunFolder) {
      expect(r.stdout).not.toContain('run folder:');
      expect(fs.existsSync(r.runs)).toBe(false);
    }
  });
});
