/**
 * Runs one MIDI file through a NoteSource and judges the outcome against the contract every
 * NoteSource promises for hostile input: tokens, or a one-line skip reason — never a crash, a
 * stack trace, an internal error, or unbounded time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from 'inversify';
import { NoteSource, PianoLstmError, Rng, StageFactory, silentLogger } from '@piano-lstm/core';
import { midiIoModule } from '../../index';

export interface SourceUnderTest {
  label: string;
  source: NoteSource;
}

/** Options tried on every source; a source keeps those its factory accepts, so new types are covered as they come. */
const OPTION_VARIANTS: Record<string, unknown>[] = [{}, { part: 'merge' }];

/** Every NoteSource type midi-io registers, once per accepted option variant. */
export function noteSourcesUnderTest(cacheDir: string): SourceUnderTest[] {
  const container = new Container();
  container.loadSync(midiIoModule);
  const factories = container.getAll<StageFactory>(StageFactory).filter((f) => f.stage === 'NoteSource');
  const out: SourceUnderTest[] = [];
  for (const f of factories) {
    for (const raw of OPTION_VARIANTS) {
      let options: unknown;
      try {
        options = f.parseOptions(raw, 'source.options');
      } catch {
        continue;
      }
      const label = `${f.type}${Object.keys(raw).length ? ` ${JSON.stringify(raw)}` : ''}`;
      out.push({ label, source: f.create(options, { rng: new Rng(1).fork('NoteSource'), log: silentLogger, baseDir: path.dirname(cacheDir), cacheDir }) as NoteSource });
    }
  }
  return out;
}

/** `ms` is CPU time (user + system) of this process: other processes on a busy machine do not inflate it. */
export type Verdict = { ok: true; outcome: string; ms: number } | { ok: false; problem: string; ms: number };

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** A line a person can read: no newline, no stack frame, no internal error, no `[object Object]`. */
export function oneLineProblem(text: string): string | undefined {
  if (text.length === 0) return 'empty message';
  if (/[\r\n]/.test(text)) return `message spans lines: ${JSON.stringify(text.slice(0, 200))}`;
  if (/\bat .+:\d+:\d+\)?/.test(text)) return `message holds a stack frame: ${text.slice(0, 200)}`;
  if (/internal parser error/.test(text)) return `internal error: ${text.slice(0, 300)}`;
  if (/\[object \w+\]|undefined|NaN/.test(text)) return `message prints a non-value: ${text.slice(0, 200)}`;
  if (text.length > 400) return `message is ${text.length} characters long`;
  return undefined;
}

/** Loads `file` (holding `bytes`) with `source` and checks the outcome, within `timeLimitMs` of CPU. */
export async function judge(source: NoteSource, file: string, bytes: Uint8Array, timeLimitMs: number): Promise<Verdict> {
  fs.writeFileSync(file, bytes);
  const t0 = process.cpuUsage();
  let outcome: string;
  try {
    const corpus = await source.load([file]);
    const ms = cpuMsSince(t0);
    if (corpus.pieces.length + corpus.skipped.length !== 1) {
      return { ok: false, problem: `one file gave ${corpus.pieces.length} pieces and ${corpus.skipped.length} skips`, ms };
    }
    if (corpus.pieces.length === 1) {
      const p = corpus.pieces[0];
      if (p.tokens.length === 0) return { ok: false, problem: 'a piece with no tokens was returned (should be a skip)', ms };
      const bad = p.tokens.find((t) => typeof t !== 'string' || t.length === 0 || /\s/.test(t) || /NaN|undefined|Infinity/.test(t));
      if (bad !== undefined) return { ok: false, problem: `bad token ${JSON.stringify(bad)}`, ms };
      if (p.events) {
        if (p.events.length !== p.tokens.length) return { ok: false, problem: `${p.events.length} events for ${p.tokens.length} tokens`, ms };
        const e = p.events.find((x) => !Number.isFinite(x.offset) || !Number.isFinite(x.duration) || x.offset < 0 || x.duration < 0);
        if (e) return { ok: false, problem: `bad event ${JSON.stringify(e)}`, ms };
      }
      outcome = `tokens:${p.tokens.length}`;
    } else {
      const problem = oneLineProblem(corpus.skipped[0].reason);
      if (problem) return { ok: false, problem, ms };
      outcome = `skip:${corpus.skipped[0].reason}`;
    }
  } catch (e) {
    const ms = cpuMsSince(t0);
    if (!(e instanceof PianoLstmError)) {
      return { ok: false, problem: `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, ms };
    }
    const problem = oneLineProblem(e.message);
    if (problem) return { ok: false, problem, ms };
    outcome = `error:${e.message.replace(file, '<file>')}`;
  }
  const ms = cpuMsSince(t0);
  if (ms > timeLimitMs) return { ok: false, problem: `took ${ms.toFixed(0)} ms of CPU (limit ${timeLimitMs} ms)`, ms };
  return { ok: true, outcome, ms };
}
