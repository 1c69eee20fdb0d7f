import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectFiles } from '../../server/adapters/git/object-files.js';
import { commitFiles, createBareRepo, createWorkRepo, git, push, removeTempDirs } from './fixtures.js';

// Objects read from a repository's files must be what `git cat-file` reads: loose, packed (deltas of both
// kinds), through annotated tags and paths; and whatever the files cannot answer for sure is left to git.

let bare: string;
const commits: string[] = [];
let tag: string;

/** `git cat-file` for each name: [type, content] or null when git finds no such object. */
async function catFile(gitDir: string, name: string): Promise<[string, Buffer] | null> {
  const type = await git(['cat-file', '-t', name], gitDir).catch(() => null);
  if (type === null) return null;
  const { execFile } = await import('node:child_process');
  const content = await new Promise<Buffer>((resolve, reject) =>
    execFile('git', ['--git-dir', gitDir, 'cat-file', type, name], { encoding: 'buffer', maxBuffer: 64 << 20 }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
  return [type, content];
}

beforeAll(async () => {
  bare = await createBareRepo();
  const work = await createWorkRepo(bare);
  // A file that changes a little each commit: `git gc` stores most versions as deltas.
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
  for (let i = 0; i < 8; i++) {
    lines[i * 40] = `changed in commit ${i}`;
    commits.push(await commitFiles(work, { 'big.txt': lines.join('\n'), '.plue/workflows/ci.py': `# version ${i}\n`, [`dir/f${i}.txt`]: `${i}` }, `c${i}`));
  }
  await git(['tag', '-a', 'v1', '-m', 'v1', commits[3]!], work);
  await push(work, 'main');
  await push(work, 'v1');
  tag = await git(['rev-parse', 'v1'], bare);
});

afterAll(removeTempDirs);

const names = () => [
  ...commits, tag, `${tag}^{commit}`, `${tag}^{tree}`, `${commits[7]}^{tree}`, `${commits[2]}:big.txt`, `${commits[5]}:.plue/workflows`,
  `${commits[5]}:.plue/workflows/ci.py`, `${tag}:dir/f1.txt`, `${commits[1]}:dir/f7.txt`, `${commits[0]}:no/such/path`,
];

describe('ObjectFiles', () => {
  for (const layout of ['loose', 'packed with deltas'] as const) {
    it(`reads what git reads (${layout})`, async () => {
      if (layout !== 'loose') {
        await git(['gc', '-q', '--aggressive', '--prune=now'], bare);
        expect(await git(['count-objects', '-v'], bare)).toMatch(/^count: 0$/m);
        // Deltas there are: in the pack's listing, a line with a depth and a base.
        const pack = (await git(['verify-pack', '-v', ...(await packIndexes(bare))], bare));
        expect(pack).toMatch(/^[0-9a-f]{40} blob\s+\d+ \d+ \d+ \d+ [0-9a-f]{40}$/m);
      }
      const files = new ObjectFiles(bare);
      for (const name of names()) {
        const expected = await catFile(bare, name);
        const read = await files.resolve(name);
        if (expected === null) {
          expect(read, name).toBeNull();
          continue;
        }
        expect(read?.type, name).toBe(expected[0]);
        expect(read?.content.equals(expected[1]), name).toBe(true);
        expect(read?.size, name).toBe(expected[1].length);
        expect(read?.oid, name).toBe(await git(['rev-parse', name], bare));
        // Read again, from the cache: the same bytes, in a buffer of their own (a view would keep a whole read alive).
        const again = await files.resolve(name);
        expect(again?.content.equals(expected[1]), name).toBe(true);
        expect(again?.content.buffer.byteLength, name).toBe(expected[1].length);
      }
    });
  }

  it('leaves to git what the files cannot answer for sure', async () => {
    const files = new ObjectFiles(bare);
    for (const name of ['refs/heads/main', 'main^{commit}', commits[0]!.slice(0, 12), 'e'.repeat(40), `${commits[0]}:./big.txt`]) {
      expect(await files.resolve(name), name).toBeUndefined();
    }
    // A damaged loose object is git's to report.
    const damaged = await createBareRepo();
    const id = await git(['hash-object', '-w', '--stdin'], damaged, { input: 'hello\n' });
    await writeFile(path.join(damaged, 'objects', id.slice(0, 2), id.slice(2)), 'not zlib');
    expect(await new ObjectFiles(damaged).resolve(id)).toBeUndefined();
  });
});

async function packIndexes(gitDir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(path.join(gitDir, 'objects', 'pack'))).filter((f) => f.endsWith('.idx')).map((f) => path.join(gitDir, 'objects', 'pack', f));
}
