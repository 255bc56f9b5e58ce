import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running module `name` of directory `dir`: the compiled `name.js` when it is
 * there, else (ts-jest runs sources only) `name.ts` through a small TypeScript require hook; its
 * imports of other packages resolve as in the parent (their built `dist`).
 */
export function startModuleWorker(dir: string, name: string): Worker {
  const js = path.join(dir, `${name}.js`);
  if (fs.existsSync(js)) return new Worker(js);
  const bootstrap = `
    const { workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    const ts = require(workerData.typescript);
    require.extensions['.ts'] = (m, filename) => {
      const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        fileName: filename,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, experimentalDecorators: true, useDefineForClassFields: false },
      });
      m._compile(out.outputText, filename);
    };
    require(workerData.file);`;
  return new Worker(bootstrap, {
    eval: true,
    workerData: { typescript: require.resolve('typescript'), file: path.join(dir, `${name}.ts`) },
  });
}

/**
 * Request/reply over a worker, one request at a time: a reply `{ type: 'error', message }` rejects
 * with that message, and so do the worker's crash or exit (named by `label`).
 */
export class WorkerChannel<Req, Rep extends { type: string }> {
  private pending: { resolve: (r: Rep) => void; reject: (e: Error) => void } | undefined;
  /** Why the worker is gone (it crashed or exited): every later request fails with it. */
  private gone: Error | undefined;

  constructor(
    readonly worker: Worker,
    label: string,
  ) {
    worker.on('message', (r: Rep) => {
      const p = this.pending;
      this.pending = undefined;
      if (r.type === 'error') p?.reject(new Error((r as unknown as { message: string }).message));
      else p?.resolve(r);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`${label} exited with code ${code}`)));
  }

  request(msg: Req, transfer: ArrayBuffer[] = []): Promise<Rep> {
    if (this.gone) return Promise.reject(this.gone);
    if (this.pending) return Promise.reject(new Error('WorkerChannel: a request is already pending'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg, transfer);
    });
  }

  private fail(e: Error): void {
    this.gone ??= e;
    this.pending?.reject(e);
    this.pending = undefined;
  }
}
