// Which branch is a repository's default: the one HEAD names, as git says. When HEAD names a branch that does not
// exist (a bare repository made with `git init`, HEAD → master, and only `main` pushed), the first branch pushed
// is the default, as GitHub does for an empty repository's first push, and stays so while it exists. Pure.
// https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-branches-in-your-repository/changing-the-default-branch

export interface DefaultBranchFacts {
  /** The branch HEAD names; null when HEAD is detached. */
  head: string | null;
  /** Whether that branch exists. */
  headExists: boolean;
  /** The repository's branches (short names). */
  branches: readonly string[];
  /** The default branch recorded so far. */
  recorded: string | null;
  /** Of the branches, the first one pushed while the service watched (null when none was). */
  firstPushed: string | null;
}

export interface DefaultBranch {
  branch: string | null;
  /** `head`: what HEAD names; `first_pushed`: HEAD names a missing branch, so the first branch pushed. */
  source: 'head' | 'first_pushed';
}

export function defaultBranchOf(facts: DefaultBranchFacts): DefaultBranch {
  if (facts.head === null || facts.headExists || facts.branches.length === 0) return { branch: facts.head, source: 'head' };
  if (facts.recorded !== null && facts.recorded !== facts.head && facts.branches.includes(facts.recorded)) {
    return { branch: facts.recorded, source: 'first_pushed' };
  }
  const branch = facts.firstPushed !== null && facts.branches.includes(facts.firstPushed) ? facts.firstPushed : [...facts.branches].sort()[0]!;
  return { branch, source: 'first_pushed' };
}
