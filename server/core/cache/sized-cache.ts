/** What an entry costs beyond the bytes its owner counts (the map's slot, the objects around them): for sizeOf. */
export const ENTRY_OVERHEAD_BYTES = 200;

/** Values kept by key up to a total size, least recently used out. */
export class SizedCache<V> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;

  constructor(private readonly maxBytes: number, private readonly sizeOf: (key: string, value: V) => number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, value);
    this.bytes += this.sizeOf(key, value);
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= this.sizeOf(oldKey, old);
    }
  }
}
