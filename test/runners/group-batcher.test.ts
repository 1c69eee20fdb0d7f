import { describe, expect, it } from 'vitest';
import { GroupBatcher } from '../../server/services/runners/group-batcher.js';

const turn = () => new Promise(setImmediate);

/** A writer whose batches finish when the test says so. */
function controlledWriter() {
  const batches: Array<{ inputs: number[]; finish(error?: Error): void }> = [];
  const write = (inputs: number[]) => new Promise<string[]>((resolve, reject) => {
    batches.push({ inputs, finish: (error) => (error ? reject(error) : resolve(inputs.map((n) => `done ${n}`))) });
  });
  return { batches, write };
}

describe('GroupBatcher', () => {
  it('writes the requests of one event-loop turn together, and those arriving meanwhile in the next batch', async () => {
    const { batches, write } = controlledWriter();
    const batcher = new GroupBatcher(write, { maxBatch: 10, maxInFlight: 1 });
    const first = [batcher.submit(0), batcher.submit(1)];
    expect(batches).toHaveLength(0);
    await turn();
    expect(batches.map((b) => b.inputs)).toEqual([[0, 1]]);
    const later = [batcher.submit(2), batcher.submit(3), batcher.submit(4)];
    await turn();
    expect(batches).toHaveLength(1);
    batches[0]!.finish();
    expect(await Promise.all(first)).toEqual(['done 0', 'done 1']);
    await turn();
    expect(batches.map((b) => b.inputs)).toEqual([[0, 1], [2, 3, 4]]);
    batches[1]!.finish();
    expect(await Promise.all(later)).toEqual(['done 2', 'done 3', 'done 4']);
    expect(batcher.written).toMatchObject({ batches: 2, requests: 5 });
    expect(batcher.pending).toBe(0);
  });

  it.each([
    { maxBatch: 2, maxInFlight: 1, submitted: 5, expected: [[1, 2], [3, 4], [5]] },
    { maxBatch: 2, maxInFlight: 2, submitted: 5, expected: [[1, 2], [3, 4], [5]] },
    { maxBatch: 1, maxInFlight: 3, submitted: 4, expected: [[1], [2], [3], [4]] },
  ])('keeps to $maxBatch per batch and $maxInFlight in flight', async ({ maxBatch, maxInFlight, submitted, expected }) => {
    const { batches, write } = controlledWriter();
    const batcher = new GroupBatcher(write, { maxBatch, maxInFlight });
    const all = Array.from({ length: submitted }, (_, i) => batcher.submit(i + 1));
    // Finish batches oldest first; each finished one lets the next queued requests go.
    for (let i = 0; i < expected.length; i++) {
      await turn();
      await turn(); // the batcher's own turn, after the previous batch settled
      batches[i]!.finish();
    }
    await Promise.all(all);
    expect(batches.map((b) => b.inputs)).toEqual(expected);
  });

  it('fails every request of a batch whose write fails, and goes on with the next', async () => {
    const { batches, write } = controlledWriter();
    const batcher = new GroupBatcher(write, { maxBatch: 10, maxInFlight: 1 });
    const first = batcher.submit(1);
    await turn();
    const second = [batcher.submit(2), batcher.submit(3)];
    batches[0]!.finish(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await turn();
    batches[1]!.finish();
    expect(await Promise.all(second)).toEqual(['done 2', 'done 3']);
  });
});
