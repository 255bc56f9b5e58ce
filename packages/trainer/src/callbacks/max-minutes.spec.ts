import { maxMinutes } from './max-minutes';
import type { TrainingSession } from '../training-session';

describe('maxMinutes', () => {
  const fakeSession = () => {
    const stops: string[] = [];
    const session = { requestStop: (kind: string, msg: string) => stops.push(`${kind}: ${msg}`) } as unknown as TrainingSession;
    return { session, stops };
  };

  it('asks to stop at the first batch end at or past the budget, naming it', () => {
    let t = 1_000;
    const cb = maxMinutes(2, () => t);
    const { session, stops } = fakeSession();
    cb.onEpochBegin!({ epoch: 1, epochs: 9, batches: 10, firstBatch: 0 }, session);
    t += 119_000;
    cb.onBatchEnd!({ epoch: 1, batch: 1, batches: 10 }, session);
    expect(stops).toEqual([]);
    t += 1_000;
    cb.onBatchEnd!({ epoch: 1, batch: 2, batches: 10 }, session);
    expect(stops).toEqual(['maxMinutes: stopped at the time budget: maxMinutes 2 (2.0 min of training)']);
  });

  it('counts from the first epoch, not from each epoch', () => {
    let t = 0;
    const cb = maxMinutes(1, () => t);
    const { session, stops } = fakeSession();
    cb.onEpochBegin!({ epoch: 1, epochs: 9, batches: 1, firstBatch: 0 }, session);
    t = 50_000;
    cb.onEpochBegin!({ epoch: 2, epochs: 9, batches: 1, firstBatch: 0 }, session);
    t = 60_000;
    cb.onBatchEnd!({ epoch: 2, batch: 1, batches: 1 }, session);
    expect(stops).toHaveLength(1);
  });
});
