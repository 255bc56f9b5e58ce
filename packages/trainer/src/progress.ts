import { SingleBar } from 'cli-progress';
import type { Logger } from '@piano-lstm/core';

/** Per-batch and per-epoch reporting: a live bar on a TTY, one line per epoch otherwise. */
export interface Progress {
  startEpoch(epoch: number, epochs: number, batches: number, startBatch: number): void;
  batch(done: number, samplesPerS: number, loss: number): void;
  endEpoch(line: string): void;
  stop(): void;
}

export function createProgress(mode: 'auto' | 'bar' | 'lines', log: Logger, stream: NodeJS.WriteStream = process.stderr, logEvery?: number): Progress {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true && !process.env.CI);
  if (!useBar) {
    // Lines only: one per epoch, and with logEvery one every that many batches (the bar's content).
    let epochOf = '';
    let total = 0;
    return {
      startEpoch: (epoch, epochs, batches) => {
        epochOf = `epoch ${epoch}/${epochs}`;
        total = batches;
      },
      batch: (done, rate, loss) => {
        if (logEvery && done % logEvery === 0 && done < total) log.info(`${epochOf} batch ${done}/${total} - loss ${loss.toFixed(4)} - ${rate.toFixed(1)} samples/s`);
      },
      endEpoch: (line) => log.info(line),
      stop: () => undefined,
    };
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
