import { describe, expect, it } from 'vitest';
import { defaultBranchOf } from '../../../server/core/refs/default-branch.js';
import type { DefaultBranchFacts } from '../../../server/core/refs/default-branch.js';

const facts = (over: Partial<DefaultBranchFacts>): DefaultBranchFacts => ({
  head: 'master', headExists: false, branches: [], recorded: null, firstPushed: null, ...over,
});

describe('defaultBranchOf', () => {
  it.each<[string, Partial<DefaultBranchFacts>, string | null, 'head' | 'first_pushed']>([
    ['HEAD names a branch that exists', { head: 'main', headExists: true, branches: ['main', 'dev'] }, 'main', 'head'],
    ['no branch yet: what HEAD names', { branches: [] }, 'master', 'head'],
    ['detached HEAD', { head: null, branches: ['main'] }, null, 'head'],
    ['HEAD on a missing branch: the only branch', { branches: ['main'] }, 'main', 'first_pushed'],
    ['HEAD on a missing branch: the first pushed', { branches: ['dev', 'main'], firstPushed: 'main' }, 'main', 'first_pushed'],
    ['the recorded one stays while it exists', { branches: ['dev', 'main'], recorded: 'main', firstPushed: 'dev' }, 'main', 'first_pushed'],
    ['the recorded one gone: the first pushed of those left', { branches: ['dev', 'x'], recorded: 'main', firstPushed: 'x' }, 'x', 'first_pushed'],
    ['HEAD recorded (at registration) does not count', { branches: ['main'], recorded: 'master' }, 'main', 'first_pushed'],
    ['none pushed while watched (a baseline): by name', { branches: ['trunk', 'dev'] }, 'dev', 'first_pushed'],
  ])('%s', (_name, over, branch, source) => {
    expect(defaultBranchOf(facts(over))).toEqual({ branch, source });
  });
});
