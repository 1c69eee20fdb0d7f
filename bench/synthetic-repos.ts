// Many bare repositories written straight in git's on-disk format (loose objects, loose or packed refs), so that
// 10,000 of them take seconds to make rather than the minutes of a git process or a copy each. Each one differs
// (a file of its own, so its own tree and commit); the workflow files are the same blobs everywhere, as in a
// host where many repositories share a template. bench/push-many.ts checks a few with git itself.
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

interface GitObject {
  id: string;
  deflated: Buffer;
}

function gitObject(type: 'blob' | 'tree' | 'commit', content: Buffer | string): GitObject {
  const body = typeof content === 'string' ? Buffer.from(content) : content;
  const raw = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
  return { id: createHash('sha1').update(raw).digest('hex'), deflated: deflateSync(raw, { level: 1 }) };
}

/** Entries are files (100644) or trees (40000); git sorts a tree's entries by name, a folder as `name/`. */
function tree(entries: Array<{ name: string; object: GitObject; folder?: boolean }>): GitObject {
  const sorted = [...entries].sort((a, b) => {
    const ka = a.folder ? `${a.name}/` : a.name;
    const kb = b.folder ? `${b.name}/` : b.name;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return gitObject('tree', Buffer.concat(sorted.map((e) =>
    Buffer.concat([Buffer.from(`${e.folder ? '40000' : '100644'} ${e.name}\0`), Buffer.from(e.object.id, 'hex')]))));
}

function commit(treeId: string, parent: string | null, message: string): GitObject {
  const who = 'bench <bench@plue.invalid> 1700000000 +0000';
  return gitObject('commit', `tree ${treeId}\n${parent ? `parent ${parent}\n` : ''}author ${who}\ncommitter ${who}\n\n${message}\n`);
}

export function workflowSource(i: number): string {
  return `from plue import workflow, push\n\n@workflow(name="Workflow ${i}", on=[push(branches=["main"])])\nasync def wf${i}(ctx):\n    await ctx.run("make test-${i}")\n`;
}

export interface SyntheticRepository {
  gitDir: string;
  label: string;
  head: string;
}

export class SyntheticRepositories {
  private readonly workflows: GitObject;
  private readonly workflowBlobs: GitObject[];

  constructor(readonly workflowsPerRepository: number) {
    this.workflowBlobs = Array.from({ length: workflowsPerRepository }, (_, i) => gitObject('blob', workflowSource(i)));
    this.workflows = tree(this.workflowBlobs.map((object, i) => ({ name: `wf${i}.py`, object })));
  }

  /**
   * A bare repository at `gitDir` with one commit on main: the workflows, `src/app.py` and a README of its own.
   * `packed`: its refs in `packed-refs` with a tag beside main (as after `git gc`), else one loose ref.
   */
  async create(gitDir: string, label: string, packed: boolean): Promise<SyntheticRepository> {
    const app = gitObject('blob', 'print("hello")\n');
    const readme = gitObject('blob', `# ${label}\n`);
    const src = tree([{ name: 'app.py', object: app }]);
    const plue = tree([{ name: 'workflows', object: this.workflows, folder: true }]);
    const root = tree([
      { name: '.plue', object: plue, folder: true }, { name: 'README.md', object: readme }, { name: 'src', object: src, folder: true },
    ]);
    const first = commit(root.id, null, `init ${label}`);
    await Promise.all(['refs/heads', 'refs/tags', 'objects/info', 'objects/pack'].map((dir) => mkdir(path.join(gitDir, dir), { recursive: true })));
    await writeFile(path.join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(path.join(gitDir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
    await writeObjects(gitDir, [...this.workflowBlobs, this.workflows, plue, app, readme, src, root, first]);
    if (packed) {
      await writeFile(path.join(gitDir, 'packed-refs'),
        `# pack-refs with: peeled fully-peeled sorted \n${first.id} refs/heads/main\n${first.id} refs/tags/v1\n`);
    } else {
      await writeRef(gitDir, 'refs/heads/main', first.id);
    }
    return { gitDir, label, head: first.id };
  }

  /** A new commit on main that changes src/app.py, written and then moved to as a push would (a loose ref). */
  async push(repo: SyntheticRepository, change: string): Promise<string> {
    const app = gitObject('blob', `print("${change}")\n`);
    const src = tree([{ name: 'app.py', object: app }]);
    const plue = tree([{ name: 'workflows', object: this.workflows, folder: true }]);
    const readme = gitObject('blob', `# ${repo.label}\n`);
    const root = tree([
      { name: '.plue', object: plue, folder: true }, { name: 'README.md', object: readme }, { name: 'src', object: src, folder: true },
    ]);
    const next = commit(root.id, repo.head, change);
    await writeObjects(repo.gitDir, [app, src, readme, plue, root, next]);
    await writeRef(repo.gitDir, 'refs/heads/main', next.id);
    repo.head = next.id;
    return next.id;
  }
}

async function writeObjects(gitDir: string, objects: GitObject[]): Promise<void> {
  for (const object of objects) {
    const dir = path.join(gitDir, 'objects', object.id.slice(0, 2));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, object.id.slice(2)), object.deflated, { flag: 'w' });
  }
}

/** As git does it: the new value in `<ref>.lock`, renamed over the ref. */
async function writeRef(gitDir: string, ref: string, id: string): Promise<void> {
  const file = path.join(gitDir, ref);
  await writeFile(`${file}.lock`, `${id}\n`);
  await rename(`${file}.lock`, file);
}
