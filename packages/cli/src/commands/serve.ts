import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { InputError, NoteSource, RunFolder } from '@piano-lstm/core';
import { defaultWebDir, isLoopback, startStudioServer, type StudioCorpusAccess } from '@piano-lstm/studio';
import { consoleLogger, loadExperiment, type Output } from '../app';
import { runContainer } from '../run-stages';
import type { CommandKit } from '../command-kit';

interface ServeOptions {
  runs: string;
  port: number;
  host: string;
  open?: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError('--port must be a whole number from 0 (any free port) to 65535');
  return n;
}

export function registerServe(program: Command, kit: CommandKit): void {
  program
    .command('serve')
    .description('a local page to browse runs, generate in the browser from any checkpoint, play and download (Ctrl-C stops it)')
    .option('--runs <dir>', 'the runs folder to serve', 'runs')
    .option('--port <n>', 'port to listen on (0: any free port)', port, 8080)
    .option('--host <host>', 'address to bind (other than loopback: anyone who can reach it sees your runs)', '127.0.0.1')
    .option('--open', 'open the page in the default browser')
    .action(
      kit.action(async (opts: ServeOptions) => {
        const runsDir = path.resolve(opts.runs);
        if (!fs.existsSync(runsDir) || !fs.statSync(runsDir).isDirectory()) {
          throw new InputError(`runs folder ${opts.runs} does not exist (give --runs <dir>, the folder holding your runs; default ./runs)`);
        }
        const webDir = defaultWebDir();
        if (!fs.existsSync(path.join(webDir, 'index.html'))) {
          throw new InputError(`the studio page is not built (${webDir} has no index.html); run 'npm run build' in the piano-lstm checkout`, { exitCode: 1 });
        }
        if (!isLoopback(opts.host)) kit.io.err(`warning: serving on ${opts.host}: anyone who can reach this address can read your runs (use --host 127.0.0.1 to keep it local)`);
        const studio = await startStudioServer({ runsDir, webDir, host: opts.host, port: opts.port, corpus: corpusAccess(kit.io, kit.verbose()) }).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'EADDRINUSE') throw new InputError(`port ${opts.port} is in use; give another --port (0 picks a free one)`);
          if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new InputError(`cannot listen on --host ${opts.host} (${e.code}); give an address of this machine, e.g. 127.0.0.1`);
          throw e;
        });
        kit.io.out(studio.url);
        kit.io.err(`studio: serving ${runsDir} at ${studio.url} (Ctrl-C to stop)`);
        if (opts.open) openBrowser(studio.url, kit.io);
        await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
        await studio.close();
        return 0;
      }),
    );
}

/** The run's own NoteSource (with its plugins), built the way `generate` builds it. */
function corpusAccess(io: Output, verbose: boolean): StudioCorpusAccess {
  const log = consoleLogger(io, verbose);
  const sourceOf = (runDir: string) => {
    const loaded = loadExperiment(RunFolder.at(runDir).file('config'));
    return { source: runContainer(loaded, log).get<NoteSource>(NoteSource), paths: loaded.experiment.source.paths };
  };
  const cache = new Map<string, Promise<string[][]>>();
  return {
    trainingPieces(runDir) {
      let pieces = cache.get(runDir);
      if (!pieces) {
        const { source, paths } = sourceOf(runDir);
        pieces = source.load(paths).then((c) => c.pieces.map((p) => [...p.tokens]));
        pieces.catch(() => cache.delete(runDir));
        cache.set(runDir, pieces);
      }
      return pieces;
    },
    async parsePrimer(runDir, midi) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-primer-'));
      const file = path.join(dir, 'primer.mid');
      try {
        fs.writeFileSync(file, midi);
        const corpus = await sourceOf(runDir).source.load([file]);
        if (corpus.pieces.length === 0) throw new InputError(`the uploaded primer cannot be used: ${corpus.skipped[0]?.reason ?? 'no notes found'}`);
        return corpus.pieces.flatMap((p) => p.tokens);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function openBrowser(url: string, io: Output): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => io.err(`warning: could not open a browser (${command}); open ${url} yourself`));
    child.unref();
  } catch {
    io.err(`warning: could not open a browser (${command}); open ${url} yourself`);
  }
}
