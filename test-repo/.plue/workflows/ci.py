from plue import workflow, push, pull_request


async def checkout(ctx):
    await ctx.run("git --version")


async def run_tests(ctx):
    await ctx.run("python3 -m unittest discover -s src -p 'test_*.py'")


@workflow(
    name="CI Pipeline",
    on=[
        push(branches=["main", "feature/**"], paths_ignore=["docs/**"]),
        pull_request(branches=["main"]),
    ],
)
async def ci(ctx):
    await ctx.step(checkout)
    await ctx.step(run_tests)
