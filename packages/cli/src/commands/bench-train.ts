import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import { nativeEngineDescription, nativeLstmStatus } from '@piano-lstm/model';
import {
  CEILING_N,
  median,
  type BenchModel,
  type StackBenchResult,
  TRAIN_BENCH_JOB_ENV,
  TRAIN_BENCH_RESULT_PREFIX,
  type TrainBenchConfig,
  type TrainBenchJob,
  type TrainBenchResult,
} from '@piano-lstm/model/bench';
import type { StepThreadBenchConfig, StepThreadBenchResult } from '@piano-lstm/trainer/bench';

export interface BenchOptions {
  json?: boolean;
  quick?: boolean;
}

/** One measured row: the bench command prints these as a table or JSON lines. */
export type BenchRow = Record<string, string | number | boolean | null>;

type Impl = TrainBenchConfig['impl'];
const LABEL: Record<Impl, string> = {
  'layers-stock': 'layers (stock tfjs-wasm kernels)',
  layers: 'layers (+ faster wasm kernels)',
  fused: 'fused',
  native: 'native (oneDNN)',
};

interface Plan {
  seqLength: number;
  warmup: number;
  repeats: number;
  configs: { impl: Impl; batch: number; workers: number; threads?: number }[];
}

function plan(quick: boolean): Plan {
  const native = nativeLstmStatus().available;
  const impls = (batch: number, withFastLayers: boolean) => [
    { impl: 'layers-stock' as Impl, batch, workers: 1 },
    ...(withFastLayers ? [{ impl: 'layers' as Impl, batch, workers: 1 }] : []),
    { impl: 'fused' as Impl, batch, workers: 1 },
    { impl: 'fused' as Impl, batch, workers: 2 },
    ...(native ? [1, 2].map((threads) => ({ impl: 'native' as Impl, batch, workers: 1, threads })) : []),
  ];
  if (quick) {
    // A smoke test: the seed-doc network on 25-step windows, one measured step each.
    return { seqLength: 25, warmup: 1, repeats: 1, configs: impls(32, false) };
  }
  return { seqLength: 100, warmup: 1, repeats: 3, configs: [...impls(32, true), ...impls(64, false)] };
}

/** The compiled `bench` entry of a package (the child runs plain Node, not ts-jest). */
function benchEntry(pkg: '@piano-lstm/model/bench' | '@piano-lstm/trainer/bench'): string {
  let resolved = require.resolve(pkg);
  if (resolved.endsWith('.ts')) resolved = path.resolve(path.dirname(resolved), '..', 'dist', 'bench.js');
  if (!fs.existsSync(resolved)) {
    throw new InputError(`bench train needs the built packages (${resolved} is missing); run: npx tsc -b tsconfig.build.json`);
  }
  return resolved;
}

interface ChildOutcome<R> {
  result?: R;
  /** One line on why the child died (absent when it succeeded). */
  failure?: string;
  peakRssMb: number;
  wallS: number;
}

function vmHwmMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs one job in a child process, so a configuration that aborts the wasm runtime (the stock
 * LSTM at batch 64 exhausts its 4 GiB heap) is recorded instead of ending the bench.
 */
type ChildJob = TrainBenchJob | { kind: 'step-thread'; config: StepThreadBenchConfig };

/** Runs `job` in a child process (`main`: the entry's function reading it). */
function runChild<R>(entry: string, job: ChildJob, timeoutS: number, competitor = false, main = 'trainBenchChildMain'): Promise<ChildOutcome<R>> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // A busy process on one core, as on a shared machine (the OpenMP barriers' worst case).
    const busy = competitor ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;
    const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(entry)}).${main}().catch((e) => { console.error(e && e.stack || e); process.exit(1); })`], {
      env: { ...process.env, [TRAIN_BENCH_JOB_ENV]: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let peak = 0;
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20000)));
    const poll = setInterval(() => (peak = Math.max(peak, vmHwmMb(child.pid!))), 250);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      busy?.kill('SIGKILL');
      clearInterval(poll);
      clearTimeout(timer);
      const wallS = (Date.now() - t0) / 1000;
      const line = out.split('\n').find((l) => l.startsWith(TRAIN_BENCH_RESULT_PREFIX));
      if (code === 0 && line) {
        const result = JSON.parse(line.slice(TRAIN_BENCH_RESULT_PREFIX.length)) as R & { rssMb?: number };
        resolve({ result, peakRssMb: Math.max(peak, result.rssMb ?? 0), wallS });
        return;
      }
      const why = timedOut
        ? `timed out after ${timeoutS} s`
        : (err
            .split('\n')
            .map((l) => l.trim())
            .find((l) => /abort|memory|error/i.test(l)) ?? `exit ${code ?? signal}`);
      resolve({ failure: why.slice(0, 160), peakRssMb: peak, wallS });
    });
  });
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** CPU model, cores and vector extensions (from /proc/cpuinfo where there is one). */
export function describeCpu(): string {
  let flags: string[] = [];
  try {
    const line = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    flags = line ? line[1].trim().split(/\s+/) : [];
  } catch {
    // not Linux: the model name from os.cpus() is all there is
  }
  const ext = flags.includes('avx512f') ? 'AVX-512' + (flags.includes('avx512_bf16') ? ' (+bf16)' : '') : flags.includes('avx2') ? 'AVX2 (no AVX-512)' : flags.length ? 'no AVX2' : 'vector extensions unknown';
  return `${os.cpus()[0]?.model.trim() ?? 'unknown cpu'}, ${os.cpus().length} cores, ${ext}`;
}

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

interface NativePlan {
  model: BenchModel;
  batch: number;
  seqLength?: number;
  threads: number[];
  /** also the engine `auto` picks when it is not native (seed-repo: fused, for recurrent dropout) */
  fused: boolean;
}

/** The rows comparing the native engine with oneDNN's own sgemm and with its LSTM stack alone. */
function nativePlan(quick: boolean): NativePlan[] {
  if (quick) return [{ model: 'embedding-quickstart', batch: 16, seqLength: 8, threads: [1], fused: false }];
  return [
    { model: 'seed-doc', batch: 64, threads: [1, 2], fused: false },
    { model: 'seed-repo', batch: 128, threads: [1, 2], fused: true },
    { model: 'embedding-quickstart', batch: 64, threads: [1, 2], fused: true },
    { model: 'embedding-piano', batch: 64, threads: [1, 2], fused: true },
  ];
}

const pct = (a: number, b: number) => round((100 * a) / b, 1);

async function nativeRows(entry: string, quick: boolean, progress: (m: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const warmup = quick ? 1 : 2;
  const repeats = quick ? 1 : 3;
  const timeout = quick ? 600 : 1800;
  for (const p of nativePlan(quick)) {
    for (const threads of p.threads) {
      progress(`${p.model} LSTM stack alone (native), batch ${p.batch}, ${threads} thread(s) …`);
      const so = await runChild<StackBenchResult>(entry, { kind: 'stack', config: { model: p.model, batch: p.batch, seqLength: p.seqLength, threads, warmup, repeats } }, timeout);
      const st = so.result;
      rows.push({
        name: `${p.model} LSTM stack alone (native)`,
        batch: p.batch,
        threads,
        samples_per_s: st ? round(st.samplesPerS, 2) : null,
        step_ms: st ? round(st.msPerBatch, 0) : null,
        gflops: st ? round(st.gflops, 2) : null,
        sgemm_gflops: st ? round(st.sgemmGflops, 2) : null,
        pct_of_sgemm: st ? pct(st.gflops, st.sgemmGflops) : null,
        rss_mb: round(so.peakRssMb, 0),
        status: so.failure ? `aborted: ${so.failure}` : 'ok',
      });
      rows.push(await stepRow(entry, p, 'native', threads, { warmup, repeats, timeout }, progress));
    }
    if (p.fused) rows.push(await stepRow(entry, p, 'fused', 1, { warmup, repeats, timeout }, progress));
  }
  if (!quick) {
    // The default thread setting with a busy process on one core (compare with the idle 1-thread row).
    const p = nativePlan(false)[0];
    rows.push(await stepRow(entry, p, 'native', undefined, { warmup, repeats, timeout, competitor: true }, progress));
  }
  rows.push(await stepThreadRow(nativePlan(quick)[0], repeats, timeout, progress));
  return rows;
}

/**
 * The step as `piano-lstm train` takes it by default (on the step thread, default threads) against
 * the same step in process and the LSTM stack alone, all in one process; and how long a timer set
 * as a step starts waits to fire (the event loop's wait: a whole step in process).
 */
async function stepThreadRow(p: NativePlan, repeats: number, timeout: number, progress: (m: string) => void): Promise<BenchRow> {
  const what = `${p.model} whole step on the step thread (native, default threads)`;
  progress(`${what}, batch ${p.batch} …`);
  const config: StepThreadBenchConfig = { model: p.model, batch: p.batch, seqLength: p.seqLength ?? 0, vocab: 300, repeats };
  const c = await runChild<StepThreadBenchResult>(benchEntry('@piano-lstm/trainer/bench'), { kind: 'step-thread', config }, timeout, false, 'stepThreadBenchChildMain');
  const r = c.result;
  return {
    name: what,
    engine: r ? 'native' : null,
    batch: p.batch,
    threads: r ? r.threads : 'default',
    samples_per_s: r ? round((p.batch * 1000) / r.threadedMs, 2) : null,
    step_ms: r ? round(r.threadedMs, 0) : null,
    in_process_step_ms: r ? round(r.inProcessMs, 0) : null,
    pct_of_in_process: r ? pct(r.inProcessMs, r.threadedMs) : null,
    pct_of_stack: r ? pct(r.stackMs, r.threadedMs) : null,
    first_step_ms: r ? round(r.firstThreadedMs, 0) : null,
    first_vs_steady: r ? round(r.firstThreadedMs / r.threadedMs, 2) : null,
    timer_wait_ms: r ? round(r.threadedTimerMs, 1) : null,
    in_process_timer_wait_ms: r ? round(r.inProcessTimerMs, 0) : null,
    thread_start_ms: r ? round(r.startMs, 0) : null,
    rss_mb: round(c.peakRssMb, 0),
    status: c.failure ? `aborted: ${c.failure}` : 'ok',
  };
}

async function stepRow(
  entry: string,
  p: NativePlan,
  impl: Impl,
  threads: number | undefined,
  o: { warmup: number; repeats: number; timeout: number; competitor?: boolean },
  progress: (m: string) => void,
): Promise<BenchRow> {
  const what = `${p.model} whole step (${impl}${o.competitor ? ', default threads, busy process on one core' : ''})`;
  progress(`${what}, batch ${p.batch}, ${threads ?? 'default'} thread(s) …`);
  // seqLength 0: the recipe's window
  const config: TrainBenchConfig = { impl, model: p.model, batch: p.batch, seqLength: p.seqLength ?? 0, vocab: 300, warmup: o.warmup, repeats: o.repeats, backend: 'wasm', workers: 1, ...(threads ? { threads } : {}) };
  const c = await runChild<TrainBenchResult>(entry, { kind: 'train', config }, o.timeout, o.competitor);
  const r = c.result;
  const steady = r ? median(r.stepMs) : NaN;
  return {
    name: what + (r?.note ? ` — ${r.note}` : ''),
    engine: r?.engine ?? null,
    batch: p.batch,
    threads: threads ?? 'default',
    samples_per_s: r ? round(r.samplesPerS, 2) : null,
    samples_per_cpu_s: r ? round(r.samplesPerCpuS, 2) : null,
    step_ms: r ? round(steady, 0) : null,
    first_step_ms: r ? round(r.firstStepMs, 0) : null,
    first_vs_steady: r ? round(r.firstStepMs / steady, 2) : null,
    gflops: r ? round(r.gflops, 2) : null,
    sgemm_gflops: r?.sgemmGflops ? round(r.sgemmGflops, 2) : null,
    pct_of_sgemm: r?.sgemmGflops ? pct(r.gflops, r.sgemmGflops) : null,
    // the whole step against its own LSTM stack, same threads, measured in the same process
    // between the steps (native rows)
    pct_of_stack: r?.stackMs ? pct(r.stackMs, steady) : null,
    // the steps' own peak (the in-process stack measurement allocates its own layers afterwards)
    rss_mb: round(r?.stepRssMb ?? c.peakRssMb, 0),
    status: c.failure ? `aborted: ${c.failure}` : 'ok',
  };
}

/**
 * `piano-lstm bench train`: training steps of the seed-doc model per LSTM implementation, batch
 * size, worker and thread count, each configuration in its own process on the wasm backend. Each
 * process also times a plain 1024×1024 matMul between its steps (the ceiling for pct_of_matmul),
 * and reports CPU time as well as wall time: on a shared machine samples per CPU-second are the
 * stable figure for single-threaded configurations.
 */
export async function benchTrain(opts: BenchOptions): Promise<BenchRow[]> {
  const entry = benchEntry('@piano-lstm/model/bench');
  const p = plan(opts.quick === true);
  const progress = (msg: string) => process.stderr.write(`bench train: ${msg}\n`);
  const rows: BenchRow[] = [];
  const native = nativeEngineDescription();
  const cpu = describeCpu() + (native ? `; native: ${native}` : '');
  const loadBefore = loadavg();
  progress(`${cpu}; load average before: ${loadBefore}`);

  const stock = new Map<number, TrainBenchResult>();
  const ceilings: number[] = [];
  for (const c of p.configs) {
    const threads = c.threads ?? 1;
    progress(`${LABEL[c.impl]}, batch ${c.batch}, ${c.workers} worker(s), ${threads} thread(s) …`);
    const config: TrainBenchConfig = { ...c, seqLength: p.seqLength, vocab: 300, warmup: p.warmup, repeats: p.repeats, backend: 'wasm' };
    const o = await runChild<TrainBenchResult>(entry, { kind: 'train', config }, opts.quick ? 600 : 1800);
    const r = o.result;
    if (r) ceilings.push(r.matMulGflopsPerCpuS);
    if (r && c.impl === 'layers-stock') stock.set(c.batch, r);
    const base = stock.get(c.batch);
    rows.push({
      name: `seed-doc ${LABEL[c.impl]}`,
      backend: r?.backend ?? 'wasm',
      batch: c.batch,
      workers: c.workers,
      threads,
      seq_len: p.seqLength,
      samples_per_s: r ? round(r.samplesPerS, 2) : null,
      samples_per_cpu_s: r ? round(r.samplesPerCpuS, 2) : null,
      step_ms: r ? round(median(r.stepMs), 0) : null,
      gflops: r ? round(r.gflops, 2) : null,
      gflops_per_cpu_s: r ? round(r.gflopsPerCpuS, 2) : null,
      matmul_gflops_per_cpu_s: r ? round(r.matMulGflopsPerCpuS, 2) : null,
      // Per busy core, both sides measured in the same process: what the load cannot distort.
      pct_of_matmul: r ? round((100 * r.gflopsPerCpuS) / r.matMulGflopsPerCpuS, 1) : null,
      vs_stock: r && base ? round(r.samplesPerS / base.samplesPerS, 2) : null,
      vs_stock_cpu: r && base ? round(r.samplesPerCpuS / base.samplesPerCpuS, 2) : null,
      sgemm_gflops: r?.sgemmGflops ? round(r.sgemmGflops, 2) : null,
      pct_of_sgemm: r?.sgemmGflops ? pct(r.gflops, r.sgemmGflops) : null,
      first_step_ms: r ? round(r.firstStepMs, 0) : null,
      rss_mb: round(o.peakRssMb, 0),
      status: o.failure ? `aborted: ${o.failure}` : 'ok',
    });
  }
  if (ceilings.length) {
    // Same keys in the same order as the other rows, so the table keeps its columns.
    const blank: BenchRow = Object.fromEntries(Object.keys(rows[0]).map((k) => [k, null]));
    rows.unshift({
      ...blank,
      name: `matMul ${CEILING_N}×${CEILING_N} (median over the runs below)`,
      backend: 'wasm',
      gflops_per_cpu_s: round(median(ceilings), 2),
      matmul_gflops_per_cpu_s: round(median(ceilings), 2),
      pct_of_matmul: 100,
      status: 'ok',
    });
  }
  if (nativeLstmStatus().available) rows.push(...(await nativeRows(entry, opts.quick === true, progress)));
  const machine = `${cpu}, load average before ${loadBefore}, after ${loadavg()}`;
  progress(`done (${machine}; ${p.repeats} measured step(s) after ${p.warmup} warm-up, medians)`);
  // The table prints the machine once, in the progress line; JSON lines carry it on every row.
  if (opts.json) for (const r of rows) r.machine = machine;
  return rows;
}
