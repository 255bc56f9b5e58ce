import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { loadNativeLstm } from './index';

const describeNative = loadNativeLstm().available ? describe : describe.skip;

// A child process runs forward/backward on the seed-doc layer sizes while a shell loop sends it
// SIGUSR2 (handled in JS, as Node handles SIGINT for a trainer's Ctrl-C or SIGPROF for
// --cpu-prof). Before the addon blocked signals around oneDNN, this died within a second with
// "corrupted size vs. prev_size" (a handler ran on the JIT kernels' stack).
const CHILD = `
const n = require(${JSON.stringify(path.join(__dirname, '..', 'build', 'Release', 'native_lstm.node'))});
n.setThreads(Number(process.env.THREADS));
process.on('SIGUSR2', () => {});
const { spawn } = require('node:child_process');
const k = spawn('sh', ['-c', 'while kill -USR2 ' + process.pid + ' 2>/dev/null; do sleep 0.001; done'], { stdio: 'ignore' });
const T = 8, B = 4;
const dims = [[1, 256], [256, 512], [512, 256]];
const layers = dims.map(([I, H]) => new n.Layer(T, B, I, H));
for (let s = 0; s < 3; s++) {
  dims.forEach(([I, H], i) => {
    layers[i].forward(new Float32Array(T * B * I).fill(0.1), new Float32Array(I * 4 * H).fill(0.01), new Float32Array(H * 4 * H).fill(0.01), new Float32Array(4 * H), true, null);
    layers[i].backward(new Float32Array(T * B * H).fill(0.1), null, null, null, null);
  });
}
k.kill();
process.stdout.write('done');
`;

describeNative('signals during oneDNN calls', () => {
  it.each([1, 2])('a JS signal handler firing during forward/backward does not corrupt the heap (%i thread(s))', (threads) => {
    const r = spawnSync(process.execPath, ['-e', CHILD], {
      env: { ...process.env, THREADS: String(threads) },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/corrupt|invalid pointer|double free/);
    expect(r.stdout).toBe('done');
    expect(r.status).toBe(0);
  }, 150_000);
});
