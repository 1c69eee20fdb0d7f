// Bad usage is its own error type so every command exits 2 for it, as compilers do.
export class UsageError extends Error {}

export const USAGE = `usage: plue-trigger <command> [options]

commands:
  check [--json] [--max-bytes N] [PATH...]   lint workflow files (default: .plue/workflows/*.py)
  match --event KIND [options] [PATH...]      show which workflows an event would start
  serve                                       start the service (database, watcher, trigger, HTTP)
  migrate                                     apply database migrations and exit
  hook post-receive                           git post-receive hook: deliver pushed ref updates
  register --server URL --registration-token T [--name N] [--labels a,b]
                                              register a runner; prints its token
  runner --server URL --token T [--labels a,b] [--concurrency N]
                                              run workflow tasks (the reference runner)

run 'plue-trigger <command> --help' for a command's options.`;
