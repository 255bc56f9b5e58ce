/** Calls `handler` on every Ctrl-C until the returned function is called (the caller decides what a second one means). */
export function onSigint(handler: () => void): () => void {
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
