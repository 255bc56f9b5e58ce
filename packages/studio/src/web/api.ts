import type { RunDetails as ServerRunDetails, RunSummary } from '../server/run-folder-access';

/** What the studio server answers: its own types (type-only, nothing of the server is bundled). */
export type { RunSummary };

/** An epoch line as the page reads it: any metric by name. */
export interface EpochMetrics {
  epoch: number;
  [key: string]: unknown;
}

export interface RunDetails extends Omit<ServerRunDetails, 'metrics' | 'evaluation'> {
  metrics: EpochMetrics[];
  evaluation: Evaluation | null;
}

export interface HeldOutScore {
  nats_per_token: number | null;
  accuracy: number | null;
  n?: number;
}

/** The run's evaluation file: the model's held-out score next to the n-gram baselines. */
export interface Evaluation {
  comparison: { model: HeldOutScore; unigram: HeldOutScore; kneser_ney: HeldOutScore; flag: string | null };
  [key: string]: unknown;
}

function runPath(id: string): string {
  return `/api/runs/${id.split('/').map(encodeURIComponent).join('/')}`;
}

export function runFileUrl(id: string, parts: readonly string[]): string {
  return `${runPath(id)}/files/${parts.map(encodeURIComponent).join('/')}`;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, init);
  const body = (await r.json().catch(() => ({}))) as T & { error?: string };
  if (!r.ok) throw new Error(body.error ?? `${url}: HTTP ${r.status}`);
  return body;
}

export const api = {
  runs: () => json<{ runs: RunSummary[] }>('/api/runs').then((r) => r.runs),
  details: (id: string) => json<RunDetails>(`${runPath(id)}/details`),
  metrics: (id: string) => json<{ metrics: EpochMetrics[] }>(`${runPath(id)}/metrics`).then((r) => r.metrics),
  trainingPieces: (id: string) => json<{ pieces: string[][] }>(`${runPath(id)}/training-pieces`).then((r) => r.pieces),
  parsePrimer: (id: string, midi: Uint8Array) =>
    json<{ tokens: string[] }>(`${runPath(id)}/primer`, { method: 'POST', body: midi as unknown as BodyInit, headers: { 'Content-Type': 'audio/midi' } }).then((r) => r.tokens),
  file: async (id: string, parts: readonly string[]): Promise<Uint8Array> => {
    const r = await fetch(runFileUrl(id, parts));
    if (!r.ok) throw new Error(`${parts.join('/')}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  },
};
