import type { JsonClient } from '../http-client/json-client.js';
import { ApiError } from '../http-client/json-client.js';
import { positiveInteger, repoPath } from './api-client.js';

// A run as people name it: OWNER/REPO and its number (`#12`, what lists and pages show), or with --id the global
// id the API's paths take. Numbers are looked up through the run list's `run_number` filter.

export const RUN_ID_HELP = '  --id            RUN is the run\'s id (as in the API\'s paths), not its number';

/** The API path of the run: `/api/repos/OWNER/REPO/runs/ID`. */
export async function runPathOf(client: JsonClient, repo: string | undefined, run: string | undefined, byId: boolean): Promise<string> {
  const base = repoPath(repo);
  const n = positiveInteger(run?.replace(/^#/, ''), byId ? 'RUN (an id, with --id)' : 'RUN (a run number, #N)');
  if (byId) return `${base}/runs/${n}`;
  const reply = await client.get<{ runs: Array<{ id: number }> }>(`${base}/runs?run_number=${n}&per_page=1`);
  const found = reply.runs[0];
  if (!found) throw new ApiError(404, 'not_found', `${repo} has no run #${n} (give --id for a run id)`);
  return `${base}/runs/${found.id}`;
}
