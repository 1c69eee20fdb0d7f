import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full garbage collection on demand, for bulk work: a host's first start reads and describes thousands of
// repositories, and what it allocates for a few hundred at a time lives long enough to be promoted to V8's old
// generation. V8 then grows the heap rather than collect it while the process is busy, and keeps the pages once it
// is idle: at 10,000 repositories that garbage was 20–65 MiB of the start's peak RSS (docs/performance.md).
// A process started without `--expose-gc` gets the collector only this way.

let collect: (() => void) | null = null;

/** Runs a full, synchronous collection (tens of milliseconds on a heap of a few hundred MiB). */
export function fullCollection(): void {
  if (collect === null) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
