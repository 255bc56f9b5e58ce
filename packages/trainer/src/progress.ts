import { SingleBar } from 'cli-progress';
import type { Logger } from '@piano-lstm/core';

/** Per-batch and per-epoch reporting: a live bar on a TTY, one line per epoch otherwise. */
export interface Progress {
  startEpoch(epoch: number, epochs: number, batches: number, startBatch: number): void;
  batch(done: number, samplesPerS: number, loss: number): void;
  endEpoch(line: string): void;
  stop(): void;
}

export function createProgress(mode: 'auto' | 'bar' | 'lines', log: Logger, stream: NodeJS.WriteStream = process.stderr): Progress {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true && !process.env.CI);
  if (!useBar) {
    return { startEpoch: () => undefined, batch: () => undefined, endEpoch: (line) => log.info(line), stop: () => undefined };
  }
  let bar: SingleBar | undefined;
  return {
    startEpoch(epoch, epochs, batches, startBatch) {
      bar = new SingleBar(
        {
          stream,
          format: `epoch ${epoch}/${epochs} |{bar}| {value}/{total} batches | {rate} samples/s | ETA {eta_formatted} | loss {loss}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 20,
        },
      );
      bar.start(batches, startBatch, { rate: '-', loss: '-' });
    },
    batch(done, rate, loss) {
      bar?.update(done, { rate: rate.toFixed(1), loss: loss.toFixed(4) });
    },
    endEpoch(line) {
      bar?.stop();
      bar = undefined;
      log.info(line);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
