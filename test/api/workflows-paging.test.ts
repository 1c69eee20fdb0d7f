// Listing and finding workflows with 30,000 definitions: pages come from the database, in order, through an
// index, and a workflow is found by name without reading the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncDefinitions } from '../../server/adapters/db/definitions.js';
import { upsertRepository } from '../../server/adapters/db/repositories.js';
import type { DefinitionInput } from '../../server/core/trigger/definitions.js';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { call, createApiRepo, startApiService, tokenFor } from './support.js';

const db = useTestDatabase();
let service: Service;
let token: string;
const COUNT = 30_000;
const url = '/api/repos/acme/big/workflows';
let repositoryId: number;

const definition = (i: number): DefinitionInput => ({
  file_path: `.plue/workflows/w${String(i).padStart(5, '0')}.py`, file_sha: 'a'.repeat(40), function_name: `w${i}`, name: `W${i}`,
  events: ['push'], triggers: [{ event: 'push' } as never], is_agent_workflow: false, runs_on: [], diagnostics: [],
  state: i % 10 === 0 ? 'invalid' : 'active',
});

beforeAll(async () => {
  service = await startApiService(db.url, await createApiRepo());
  token = await tokenFor(db.sql, 'repo:acme/big', true);
  // A repository of its own, known to the database only: nothing else writes its definitions.
  repositoryId = (await upsertRepository(db.sql, { owner: 'acme', name: 'big', path: '/nowhere/acme/big.git', default_branch: 'main' })).row.id;
  await syncDefinitions(db.sql, repositoryId, Array.from({ length: COUNT }, (_, i) => definition(i)));
}, 120_000);
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('workflows by the tens of thousands', () => {
  it('pages in order, with the total, deep pages included', async () => {
    const first = await call(service, 'GET', `${url}?per_page=100`, { token });
    expect(first.body.total_count).toBe(COUNT);
    expect(first.body.workflows.map((w: { name: string }) => w.name).slice(0, 2)).toEqual(['W0', 'W1']);
    const deep = await call(service, 'GET', `${url}?per_page=100&page=300`, { token });
    expect(deep.body.workflows.map((w: { name: string }) => w.name).at(-1)).toBe(`W${COUNT - 1}`);
    const invalid = await call(service, 'GET', `${url}?state=invalid&per_page=5&page=2`, { token });
    expect(invalid.body.total_count).toBe(COUNT / 10);
    expect(invalid.body.workflows.map((w: { name: string }) => w.name)).toEqual(['W50', 'W60', 'W70', 'W80', 'W90']);
  });

  it('finds one workflow by name, function or file without reading the rest', async () => {
    for (const selector of ['W29999', 'w29999', 'w29999.py', '.plue/workflows/w29999.py']) {
      const reply = await call(service, 'GET', `${url}/${encodeURIComponent(selector)}`, { token });
      expect(reply.body.name).toBe('W29999');
    }
  });

  it('uses an index for a page and for a look-up by name', async () => {
    const plan = async (query: string) => (await db.sql.unsafe(`explain ${query}`)).map((r) => Object.values(r)[0]).join('\n');
    await db.sql`analyze workflow_definitions`;
    expect(await plan(`select * from workflow_definitions where repository_id = ${repositoryId} order by state = 'deleted', file_path, function_name limit 100 offset 0`))
      .toContain('workflow_definitions_list_idx');
    expect(await plan(`select * from workflow_definitions where repository_id = ${repositoryId} and name = 'W5'`)).toContain('workflow_definitions_name_idx');
  });
});
