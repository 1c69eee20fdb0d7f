import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fullCollection } from '../../../server/adapters/full-collection.js';

describe('fullCollection', () => {
  it('collects what nothing holds any more, in a process started without --expose-gc, each time it is asked', async () => {
    expect(process.execArgv).not.toContain('--expose-gc');
    for (let round = 0; round < 2; round++) {
      let garbage: object | null = { rows: Array.from({ length: 1000 }, (_, i) => ({ i })) };
      const ref = new WeakRef(garbage);
      garbage = null;
      await nextTurn(); // a WeakRef keeps its target until the end of the job that made it
      fullCollection();
      expect(ref.deref()).toBeUndefined();
    }
  });
});
