import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * The native engine's default OpenMP thread count: the cores idle when training starts. oneDNN's
 * barriers make every thread wait for the slowest, so a thread that shares its core with another
 * busy process drags the whole team; one thread per idle core keeps both the free-machine speed
 * (all cores) and the shared-machine speed (the free cores only).
 */
export function threadsForIdleCores(idleCores: number, cores: number): number {
  // A core counts as free when at least ~3/4 of it is idle over the sample.
  return Math.max(1, Math.min(cores, Math.floor(idleCores + 0.25)));
}

function cpuTimes(): { idle: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { idle: v[3] + (v[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/**
 * Cores free for this process: the machine's idle share over a sample (/proc/stat ticks) plus what
 * this process itself used meanwhile (its other threads — a step thread loading its modules, say —
 * are ours to schedule, not a competitor's), at most `cores`.
 */
export function freeCores(idleTicks: number, totalTicks: number, ownCpuMs: number, wallMs: number, cores: number): number {
  const idle = totalTicks > 0 ? (idleTicks / totalTicks) * cores : 0;
  const own = wallMs > 0 ? ownCpuMs / wallMs : 0;
  return Math.max(0, Math.min(cores, idle + own));
}

/** Cores free for this process over `sampleMs` (see freeCores), or from the 1-minute load average where there is no /proc/stat. */
export function idleCores(sampleMs = 100): number {
  const cores = os.cpus().length;
  const a = cpuTimes();
  if (a) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sampleMs);
    const own = process.cpuUsage(c0);
    const wallMs = performance.now() - t0;
    const b = cpuTimes();
    if (b && b.total > a.total) return freeCores(b.idle - a.idle, b.total - a.total, (own.user + own.system) / 1000, wallMs, cores);
  }
  return Math.max(0, cores - os.loadavg()[0]);
}

/** The default: one thread per idle core, unless OMP_NUM_THREADS says otherwise (then undefined). */
export function defaultNativeThreads(): number | undefined {
  if (process.env.OMP_NUM_THREADS) return undefined;
  return threadsForIdleCores(idleCores(), os.cpus().length);
}
