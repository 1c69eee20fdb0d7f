import { WORKFLOWS_FOLDER } from '../core/language/workflow-paths.js';

// Bad usage is its own error type so every command exits 2 for it, as compilers do.
export class UsageError extends Error {}

export const USAGE = `usage: plue-trigger <command> [options]

commands:
  check [--json] [--max-bytes N] [PATH...]   lint workflow files (default: ${WORKFLOWS_FOLDER}/*.py)
  match --event KIND [options] [PATH...]      show which workflows an event would start
  cron EXPR [--timezone Z] [--from ISO] [--count N] [--json]
                                              show when a schedule fires next
  serve                                       start the service (database, watcher, trigger, HTTP)
  migrate [--json]                            apply database migrations and exit
  hook post-receive                           git post-receive hook: deliver pushed ref updates
  hooks install OWNER/REPO...|--all           install that hook (yours is kept and chained)
  register --server URL --registration-token-file F --token-file F [--name N] [--labels a,b]
                                              register a runner; saves its token
  runner --server URL --token-file F [--labels a,b] [--concurrency N]
                                              run workflow tasks (the reference runner)
  token create --scope admin|repo:OWNER/NAME [--read-only]
                                              make an API token (also: token list, token revoke ID)
  repos show OWNER/REPO                       a repository's default branch
  workflows list OWNER/REPO [--state S]       the default branch's workflows (also: workflows show)
  runs list OWNER/REPO [--status S ...]       runs, newest first (also: runs show|cancel|rerun OWNER/REPO N,
                                              N the run's number, #N; --id: the run's id)
  dispatch OWNER/REPO WORKFLOW [--ref REF] [--input k=v...]
                                              start a workflow by hand (dispatch triggers:
                                              --payload JSON|@F --context-file N=P --context-dir D)
  logs OWNER/REPO N [--follow]                a run's logs (--follow: until it ends)
  events list OWNER/REPO [--status failed]    events, newest first (also: events show|retry OWNER/REPO ID,
                                              events send OWNER/REPO --event KIND ... [--wait])
  runners list                                the registered runners, online or not, and what they run
  audit OWNER/REPO [--kind K]                 the audit trail, newest first
  statuses OWNER/REPO REF                     a commit's combined status, the latest of each context
  completion bash|zsh|fish                    a script that completes commands and flags in your shell

API commands take --server URL (or PLUE_URL), --token T (or PLUE_TOKEN) and --json.
Exit status: 0 done, 1 failed, 2 bad usage.

run 'plue-trigger <command> --help' (or 'plue-trigger help <command>') for a command's options;
'plue-trigger --version' prints the version.`;
