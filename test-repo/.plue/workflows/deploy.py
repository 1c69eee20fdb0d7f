from plue import workflow, push, manual

RELEASE_TAGS = ["v*"]


@workflow(
    name="Deploy to Production",
    on=[
        push(tags=RELEASE_TAGS),
        manual(inputs={
            "environment": {"type": "choice", "options": ["staging", "production"], "default": "staging"},
            "dry_run": {"type": "boolean", "default": True},
        }),
    ],
    concurrency="deploy-{ref}",
)
async def deploy(ctx):
    target = ctx.inputs.get("environment", "production")
    await ctx.run(f"echo deploying {ctx.sha} to {target}")
