/**
 * Turns the first Ctrl-C into an abort request the trainer honours after the current batch; a
 * second Ctrl-C exits at once (130), for when saving itself hangs.
 */
export function interruptOnSigint(onFirst?: () => void): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const handler = () => {
    if (ac.signal.aborted) process.exit(130);
    onFirst?.();
    ac.abort();
  };
  process.on('SIGINT', handler);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', handler) };
}
