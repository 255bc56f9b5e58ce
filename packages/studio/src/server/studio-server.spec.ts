import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunFolder } from '@piano-lstm/core';
import { startStudioServer, type StudioServer } from './studio-server';

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A raw request: the path goes out exactly as written (no client-side `..` normalisation). */
function request(server: StudioServer, rawPath: string, options: { method?: string; body?: Uint8Array; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, path: rawPath, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${server.port}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const RUN = 'quickstart/20250101-120000';

function makeRunsFolder(root: string): string {
  const runs = path.join(root, 'runs');
  const dir = path.join(runs, ...RUN.split('/'));
  fs.mkdirSync(path.join(dir, 'checkpoints', 'epoch-01'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'samples'));
  fs.writeFileSync(path.join(dir, 'config.yaml'), 'name: quickstart\nseed: 42\n');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch":1,"loss":3.5,"val_loss":3.7}\n{"epoch":2,"loss":3.1,"val_loss":3.4}\n');
  fs.writeFileSync(path.join(dir, 'best'), 'epoch-01\n');
  fs.writeFileSync(path.join(dir, 'checkpoints', 'epoch-01', 'model.json'), '{"modelTopology":{}}');
  fs.writeFileSync(path.join(dir, 'checkpoints', 'epoch-01', 'weights.bin'), Buffer.from([1, 2, 3, 4]));
  fs.writeFileSync(path.join(dir, 'samples', 'sample-1.mid'), Buffer.from('MThd'));
  // a live writer: core's own lock, so the studio's 'training' status follows how core locks
  RunFolder.at(dir).lock(() => undefined);
  // secrets next to the runs folder that must never be served
  fs.writeFileSync(path.join(root, 'secret.txt'), 'do not serve');
  return runs;
}

describe('studio server', () => {
  let root: string;
  let runs: string;
  let web: string;
  let server: StudioServer;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-studio-'));
    runs = makeRunsFolder(root);
    web = path.join(root, 'web');
    fs.mkdirSync(web);
    fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>studio</title>');
    fs.writeFileSync(path.join(web, 'app.js'), 'console.log(1)');
    server = await startStudioServer({ runsDir: runs, webDir: web, port: 0 });
  });

  afterAll(async () => {
    RunFolder.at(path.join(runs, ...RUN.split('/'))).release();
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('listens on a free loopback port and serves the page with a strict CSP', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const r = await request(server, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>studio</title>');
    expect(r.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect((await request(server, '/app.js')).headers['content-type']).toMatch(/javascript/);
  });

  it('lists runs with their best losses, checkpoint and status', async () => {
    const r = await request(server, '/api/runs');
    expect(r.status).toBe(200);
    const { runs: list } = JSON.parse(r.body);
    expect(list).toEqual([
      expect.objectContaining({ id: RUN, name: 'quickstart', epochs: 2, bestLoss: 3.1, bestValLoss: 3.4, best: 'epoch-01', checkpoints: ['epoch-01'], status: 'training' }),
    ]);
  });

  it("serves a run's details, metrics and files", async () => {
    const details = JSON.parse((await request(server, `/api/runs/${RUN}/details`)).body);
    expect(details.config).toEqual(expect.objectContaining({ name: 'quickstart', seed: 42 }));
    expect(details.samples).toEqual(['samples/sample-1.mid']);
    const metrics = JSON.parse((await request(server, `/api/runs/${RUN}/metrics`)).body);
    expect(metrics.metrics.map((m: { epoch: number }) => m.epoch)).toEqual([1, 2]);
    const weights = await request(server, `/api/runs/${RUN}/files/checkpoints/epoch-01/weights.bin`);
    expect(weights.status).toBe(200);
    expect(weights.headers['content-length']).toBe('4');
    const sample = await request(server, `/api/runs/${RUN}/files/samples/sample-1.mid`);
    expect(sample.headers['content-type']).toBe('audio/midi');
  });

  it.each([
    '/api/runs/../../etc/passwd',
    '/api/runs/%2e%2e/%2e%2e/etc/passwd',
    '/api/runs/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/api/runs/%252e%252e/secret.txt',
    `/api/runs/${RUN}/files/../../../secret.txt`,
    `/api/runs/${RUN}/files/%2e%2e/%2e%2e/%2e%2e/secret.txt`,
    `/api/runs/${RUN}/files/..%2f..%2f..%2fsecret.txt`,
    `/api/runs/${RUN}/files/..%5c..%5c..%5csecret.txt`,
    `/api/runs/${RUN}/files/%2fetc%2fpasswd`,
    `/api/runs/${RUN}/files//etc/passwd`,
    `/api/runs/${RUN}/files/.lock`,
    '/..%2fsecret.txt',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    `/api/runs/${RUN}/files/%E0%A4%A`,
  ])('refuses %s', async (p) => {
    const r = await request(server, p);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toContain('do not serve');
    expect(r.body).not.toContain('root:');
    expect(JSON.parse(r.body).error).toEqual(expect.any(String));
  });

  it('does not follow symlinks out of the runs folder', async () => {
    const dir = path.join(runs, ...RUN.split('/'));
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dir, 'samples', 'leak.mid'));
    fs.symlinkSync(root, path.join(dir, 'samples', 'up'));
    const outsideRun = path.join(root, 'outside-run');
    fs.mkdirSync(outsideRun);
    fs.writeFileSync(path.join(outsideRun, 'config.yaml'), 'name: outside\n');
    fs.writeFileSync(path.join(outsideRun, 'metrics.jsonl'), '');
    fs.symlinkSync(outsideRun, path.join(runs, 'linked'));
    try {
      for (const p of [`/api/runs/${RUN}/files/samples/leak.mid`, `/api/runs/${RUN}/files/samples/up/secret.txt`, '/api/runs/linked/files/config.yaml', '/api/runs/linked/details']) {
        const r = await request(server, p);
        expect(r.status).toBe(404);
        expect(r.body).not.toContain('do not serve');
        expect(r.body).not.toContain('outside');
      }
    } finally {
      fs.rmSync(path.join(dir, 'samples', 'leak.mid'));
      fs.rmSync(path.join(dir, 'samples', 'up'));
      fs.rmSync(path.join(runs, 'linked'));
    }
  });

  it.each(['/nope', '/api/nope', '/api/runs/nope/details', `/api/runs/${RUN}/unknown`, `/api/runs/${RUN}/files/missing.bin`, `/api/runs/${RUN}/details/extra`, '/index.html/x'])('answers 404 for %s', async (p) => {
    const r = await request(server, p);
    expect(r.status).toBe(404);
  });

  it('refuses other methods, primer uploads without a corpus reader, and foreign Host headers', async () => {
    expect((await request(server, '/api/runs', { method: 'DELETE' })).status).toBe(404);
    expect((await request(server, `/api/runs/${RUN}/details`, { method: 'POST' })).status).toBe(405);
    expect((await request(server, `/api/runs/${RUN}/primer`, { method: 'POST', body: new Uint8Array([1]) })).status).toBe(404);
    expect((await request(server, '/', { host: 'evil.example:80' })).status).toBe(421);
    expect((await request(server, '/', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('keeps answering while a run folder is written, half-written and removed', async () => {
    const dir = path.join(runs, 'live', '20250102-000000');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'name: live\n');
    const metrics = path.join(dir, 'metrics.jsonl');
    let stop = false;
    const writer = (async () => {
      for (let epoch = 1; !stop; epoch++) {
        // a line written in two parts: readers see the partial line in between
        fs.appendFileSync(metrics, `{"epoch":${epoch},"loss":`);
        await new Promise((r) => setImmediate(r));
        fs.appendFileSync(metrics, `${5 - epoch / 100}}\n`);
        if (epoch % 7 === 0) fs.rmSync(dir, { recursive: true, force: true });
        if (!fs.existsSync(dir)) {
          fs.mkdirSync(path.join(dir, 'checkpoints', 'x'), { recursive: true });
          fs.writeFileSync(path.join(dir, 'config.yaml'), 'name: live\n');
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const replies = await Promise.all([request(server, '/api/runs'), request(server, '/api/runs/live/20250102-000000/metrics'), request(server, '/api/runs/live/20250102-000000/details'), request(server, '/api/runs/live/20250102-000000/files/metrics.jsonl')]);
      for (const r of replies) {
        statuses.push(r.status);
        expect(() => JSON.parse(r.status === 200 && !r.headers['content-type']?.includes('ndjson') ? r.body : '{}')).not.toThrow();
      }
    }
    stop = true;
    await writer;
    expect(statuses.every((s) => s === 200 || s === 404)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(100);
    // still alive afterwards
    expect((await request(server, '/api/runs')).status).toBe(200);
    fs.rmSync(path.join(runs, 'live'), { recursive: true, force: true });
  });
});

describe('studio server with a corpus reader', () => {
  it('hands training pieces and parsed primers from the CLI-supplied reader to the page', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-studio-'));
    const runs = makeRunsFolder(root);
    const seen: number[] = [];
    const server = await startStudioServer({
      runsDir: runs,
      webDir: root,
      corpus: {
        trainingPieces: async () => [['C4', 'E4'], ['G4']],
        parsePrimer: async (_dir, midi) => {
          seen.push(midi.length);
          return ['A4'];
        },
      },
    });
    try {
      expect(JSON.parse((await request(server, `/api/runs/${RUN}/training-pieces`)).body)).toEqual({ pieces: [['C4', 'E4'], ['G4']] });
      const r = await request(server, `/api/runs/${RUN}/primer`, { method: 'POST', body: new Uint8Array(10) });
      expect(JSON.parse(r.body)).toEqual({ tokens: ['A4'] });
      expect(seen).toEqual([10]);
      const big = await request(server, `/api/runs/${RUN}/primer`, { method: 'POST', body: new Uint8Array(3 * 1024 * 1024) });
      expect(big.status).toBe(413);
    } finally {
      await server.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
