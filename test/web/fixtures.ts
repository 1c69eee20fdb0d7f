// The workflows the dashboard's tests push: one that runs, one a path filter skips, one with a diagnostic.

export const CI = `from plue import workflow, push


@workflow(name="CI", on=push(branches=["main"]))
async def ci(ctx):
    ctx.log("testing")
`;
export const DOCS = `from plue import workflow, push


@workflow(name="Docs", on=push(paths=["docs/**"]))
async def docs(ctx):
    pass
`;
export const BROKEN = `from plue import workflow, push


@workflow(name="Broken", on=push(brnches=["main"]))
async def broken(ctx):
    pass
`;
