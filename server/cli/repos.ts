import { parseArgs } from 'node:util';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, repoPath, reportingApiErrors } from './api-client.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger repos show OWNER/REPO [--json]

Shows a repository's default branch (whose workflows are the repository's) and the branch HEAD names; they
differ when HEAD names a branch that does not exist: the default is then the first branch pushed.
${CLIENT_HELP}`;

interface Repository {
  full_name: string;
  default_branch: string | null;
  head: string | null;
  state: string;
}

export async function runRepos(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: CLIENT_OPTIONS, allowPositionals: true });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  if (positionals[0] !== 'show' || positionals.length !== 2) throw new UsageError('repos takes show OWNER/REPO');
  const client = clientFrom(values, io.env);
  return reportingApiErrors(io, client.server, async () => {
    const repo = await client.get<Repository>(repoPath(positionals[1]));
    if (values.json) {
      io.out(JSON.stringify(repo, null, 2));
      return 0;
    }
    io.out(`${repo.full_name}${repo.state === 'active' ? '' : ` (${repo.state})`}`);
    const why = repo.head !== null && repo.default_branch !== repo.head
      ? ` (HEAD names ${repo.head}, which does not exist: the first branch pushed)`
      : '';
    io.out(`  default branch: ${repo.default_branch ?? '(none yet)'}${why}`);
    return 0;
  });
}
