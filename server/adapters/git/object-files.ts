// Objects read straight from a repository's files: loose objects, and objects in packs whose index is small.
// Starting a git process forks the whole service (5–20 ms at a 200 MiB RSS, growing with it), so a repository
// whose object reader is not running is read from its files: a host's start (10,000 repositories described)
// and the first push to a quiet repository then start no process. Anything these files cannot answer for
// sure (a missing object, alternates, a large pack index, another hash, a name other than an id) is left to git:
// `undefined`, never a guess. The reads are synchronous, as in refs.ts: small files on a local disk, where an
// asynchronous read costs several trips to the thread pool and more of the main thread than the read itself.
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { ENTRY_OVERHEAD_BYTES, SizedCache } from '../../core/cache/sized-cache.js';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { GitObjectContent } from './object-reader.js';
import { parseRawTree } from './object-walks.js';

/** Past this, an index is left to git, which maps it once rather than reading it per object. */
const MAX_INDEX_BYTES = 1 << 20;
/** Objects larger than this are left to git (a workflow file is far smaller). */
const MAX_OBJECT_BYTES = 4 << 20;
/** git's own deepest delta chain is 50 by default. */
const MAX_DELTA_DEPTH = 64;
const PACK_TYPES = ['', 'commit', 'tree', 'blob', 'tag'] as const;
const OFS_DELTA = 6;
const REF_DELTA = 7;
const ID = /^[0-9a-f]{40}$/;

type Answer = GitObjectContent | null | undefined;

export class ObjectFiles {
  /** This reader's keys in the shared object cache. */
  private readonly cacheKey = `${++readers}\0`;

  constructor(readonly gitDir: string) {}

  /**
   * The object a name gives: `<id>`, `<id>^{commit}`, `<id>^{tree}` or `<id>:<path>` (as `git cat-file` reads
   * them); null when it surely is none (no such path in the tree, not a commit); undefined when git must say.
   */
  async resolve(name: string): Promise<Answer> {
    if (ID.test(name)) return this.read(name);
    const peel = /^([0-9a-f]{40})\^\{(commit|tree)\}$/.exec(name);
    if (peel) return peel[2] === 'commit' ? this.peelTo(peel[1]!, 'commit') : this.peelTo(peel[1]!, 'tree');
    const inTree = /^([0-9a-f]{40}):(.+)$/.exec(name);
    if (!inTree) return undefined;
    const parts = inTree[2]!.split('/');
    if (parts.some((part) => part === '' || part === '.' || part === '..')) return undefined;
    let object = await this.peelTo(inTree[1]!, 'tree');
    for (const part of parts) {
      if (!object) return object;
      if (object.type !== 'tree') return null;
      const entry = parseRawTree(object.content, 20).find((e) => e.name === part);
      if (!entry) return null;
      object = await this.read(entry.oid);
    }
    return object;
  }

  private async peelTo(id: string, type: 'commit' | 'tree'): Promise<Answer> {
    let object = await this.read(id);
    for (let depth = 0; object && object.type === 'tag' && depth < MAX_DELTA_DEPTH; depth++) {
      const target = /^object ([0-9a-f]{40})\n/.exec(object.content.toString('latin1', 0, 64));
      if (!target) return undefined;
      object = await this.read(target[1]!);
    }
    if (!object) return object;
    if (object.type === type) return object;
    if (type === 'tree' && object.type === 'commit') {
      const tree = /^tree ([0-9a-f]{40})\n/.exec(object.content.toString('latin1', 0, 64));
      return tree ? this.read(tree[1]!) : undefined;
    }
    return null;
  }

  /** An object by its full id. */
  async read(id: string): Promise<Answer> {
    return this.readNow(id);
  }

  private readNow(id: string): Answer {
    const key = `${this.cacheKey}${id}`;
    const cached = objectCache.get(key);
    if (cached) return { oid: id, type: cached.type, size: cached.content.length, content: cached.content };
    const object = this.readUncached(id);
    if (object) rememberObject(key, object);
    return object;
  }

  private readUncached(id: string): Answer {
    const loosePath = path.join(this.gitDir, 'objects', id.slice(0, 2), id.slice(2));
    // existsSync first: a missing file (most reads, in a packed repository) then costs no exception.
    const loose = existsSync(loosePath) ? tryRead(() => readFileSync(loosePath)) : null;
    if (loose !== null) return looseObject(id, loose);
    const packDir = path.join(this.gitDir, 'objects', 'pack');
    const indexes = (tryRead(() => readdirSync(packDir)) ?? []).filter((file) => file.endsWith('.idx'));
    for (const index of indexes) {
      const file = path.join(packDir, index);
      const offset = packOffset(packIndex(file), id);
      if (offset === undefined) return undefined;
      if (offset === null) continue;
      const pack = tryRead(() => openSync(file.replace(/\.idx$/, '.pack'), 'r'));
      if (pack === null) return undefined;
      try {
        const entry = this.packEntry(pack, offset, 0, file);
        return entry && { oid: id, type: entry.type, size: entry.content.length, content: entry.content };
      } catch {
        return undefined;
      } finally {
        closeSync(pack);
      }
    }
    return undefined; // not here: alternates, a promisor remote, or truly missing; git says which
  }

  private packEntry(pack: number, offset: number, depth: number, packFile: string): PackEntry | undefined {
    if (depth > MAX_DELTA_DEPTH) return undefined;
    // Delta bases by their place in the pack (git's delta base cache): a busy repository's new trees are deltas
    // of the ones read for its last push, through chains of up to 50.
    const key = `${this.cacheKey}${packFile}\0${offset}`;
    const cached = objectCache.get(key);
    if (cached) return cached;
    const entry = this.readPackEntry(pack, offset, depth, packFile);
    if (entry) rememberObject(key, entry);
    return entry;
  }

  private readPackEntry(pack: number, offset: number, depth: number, packFile: string): PackEntry | undefined {
    const head = Buffer.alloc(32);
    const bytesRead = readSync(pack, head, 0, head.length, offset);
    let at = 0;
    let byte = head[at++]!;
    const type = (byte >> 4) & 7;
    let size = byte & 15;
    for (let shift = 4; byte & 0x80; shift += 7) {
      if (at >= bytesRead) return undefined;
      byte = head[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
    }
    if (size > MAX_OBJECT_BYTES) return undefined;
    let base: (() => { type: string; content: Buffer } | undefined) | undefined;
    if (type === OFS_DELTA) {
      byte = head[at++]!;
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        if (at >= bytesRead) return undefined;
        byte = head[at++]!;
        distance = (distance + 1) * 128 + (byte & 0x7f);
      }
      base = () => this.packEntry(pack, offset - distance, depth + 1, packFile);
    } else if (type === REF_DELTA) {
      const baseId = head.toString('hex', at, at + 20);
      at += 20;
      base = () => this.readNow(baseId) ?? undefined;
    } else if (!PACK_TYPES[type]) {
      return undefined;
    }
    // zlib never grows data by more than a few bytes per 16 KiB block; what follows the stream is ignored.
    const compressed = Buffer.alloc(size + Math.ceil(size / 1000) + 64);
    const read = readSync(pack, compressed, 0, compressed.length, offset + at);
    const data = inflateSync(compressed.subarray(0, read), { maxOutputLength: Math.max(size, 1) });
    if (data.length !== size) return undefined;
    if (!base) return { type: PACK_TYPES[type]!, content: data };
    const resolved = base();
    if (!resolved) return undefined;
    const content = applyDelta(resolved.content, data);
    return content && { type: resolved.type, content };
  }
}

type PackEntry = { type: string; content: Buffer };

// An object never changes under its id, nor a pack entry under its pack's name and offset: the objects read
// lately are kept, a few MiB in all. A push's commits are peeled and walked several times while it is planned, and
// the next push reads the same workflow trees. Callers must not modify the contents.
const objectCache = new SizedCache<PackEntry>(16 << 20, (key, object) => object.content.length + key.length + ENTRY_OVERHEAD_BYTES);
/** Larger objects are read each time: a workflow file, a commit or a tree is far smaller. */
const MAX_CACHED_OBJECT_BYTES = 256 << 10;
let readers = 0;

function rememberObject(key: string, object: PackEntry): void {
  if (object.content.length > MAX_CACHED_OBJECT_BYTES) return;
  // A copy of its own size: the content is often a view into a larger buffer (a file read, a pooled slab), which
  // a kept view would keep whole; 10,000 repositories' first reads once held ~160 MiB that way.
  const content = Buffer.allocUnsafeSlow(object.content.length);
  object.content.copy(content);
  objectCache.set(key, { type: object.type, content });
}

// A pack's index never changes under its name (a repack writes packs of new names), so the indexes read lately
// are kept, a few MiB in all: a busy repository's reads do not read its index each time.
const indexCache = new SizedCache<Buffer>(16 << 20, (_key, index) => index.length);

/** The index file's bytes; null when it cannot be read or is too large to read here. */
function packIndex(file: string): Buffer | null {
  const cached = indexCache.get(file);
  if (cached) return cached;
  if ((tryRead(() => statSync(file))?.size ?? Infinity) > MAX_INDEX_BYTES) return null;
  const index = tryRead(() => readFileSync(file));
  if (index === null) return null;
  indexCache.set(file, index);
  return index;
}

/** What `read` gives, or null when it throws (a file missing or unreadable). */
function tryRead<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

function looseObject(id: string, file: Buffer): Answer {
  let raw: Buffer;
  try {
    raw = inflateSync(file, { maxOutputLength: MAX_OBJECT_BYTES + 64 });
  } catch {
    return undefined; // larger than we read, or damaged: git says which
  }
  const nul = raw.indexOf(0);
  const header = /^(commit|tree|blob|tag) (\d+)$/.exec(raw.toString('latin1', 0, nul));
  if (nul === -1 || !header || Number(header[2]) !== raw.length - nul - 1) return undefined;
  return { oid: id, type: header[1]!, size: raw.length - nul - 1, content: raw.subarray(nul + 1) };
}

/** The object's offset in the pack of this version 2 index; null when the index does not hold it. */
function packOffset(index: Buffer | null, id: string): number | null | undefined {
  if (index === null || index.length < 8 + 1024 || index.readUInt32BE(0) !== 0xff744f63 || index.readUInt32BE(4) !== 2) return undefined;
  const wanted = Buffer.from(id, 'hex');
  const fanout = (i: number) => index.readUInt32BE(8 + i * 4);
  const count = fanout(255);
  const names = 8 + 1024;
  let low = wanted[0] === 0 ? 0 : fanout(wanted[0]! - 1);
  let high = fanout(wanted[0]!);
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = index.compare(wanted, 0, 20, names + middle * 20, names + middle * 20 + 20) * -1;
    if (order === 0) {
      const offsets = names + count * 24; // after the names and their CRCs
      const small = index.readUInt32BE(offsets + middle * 4);
      if (!(small & 0x80000000)) return small;
      const large = offsets + count * 4 + (small & 0x7fffffff) * 8;
      return Number(index.readBigUInt64BE(large));
    }
    if (order < 0) high = middle;
    else low = middle + 1;
  }
  return null;
}

/** git's delta format: the base's and the result's sizes, then copies from the base and inserted bytes. */
function applyDelta(base: Buffer, delta: Buffer): Buffer | undefined {
  let at = 0;
  const size = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = delta[at++];
      if (byte === undefined) return -1;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
  };
  if (size() !== base.length) return undefined;
  const length = size();
  if (length < 0 || length > MAX_OBJECT_BYTES) return undefined;
  const out = Buffer.alloc(length);
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let from = 0;
      let count = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) from += delta[at++]! * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (0x10 << bit)) count += delta[at++]! * 2 ** (8 * bit);
      if (count === 0) count = 0x10000;
      if (from + count > base.length || written + count > length) return undefined;
      base.copy(out, written, from, from + count);
      written += count;
    } else if (op > 0) {
      if (at + op > delta.length || written + op > length) return undefined;
      delta.copy(out, written, at, at + op);
      at += op;
      written += op;
    } else {
      return undefined;
    }
  }
  return written === length ? out : undefined;
}
