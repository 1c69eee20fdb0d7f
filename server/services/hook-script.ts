// The post-receive hook a host installs in each repository. It carries where and how to deliver, and never
// fails a push. It holds no secret: it reads the token from the service's token file (mode 0600), so only the
// service's user, or whoever it lets read that file, can deliver. For a plain http:// address it is a bash script that talks HTTP over bash's /dev/tcp: it starts
// in a few milliseconds, where a node process takes tens. Otherwise it runs `plue-trigger hook post-receive`.

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface HookScriptOptions {
  binPath: string;
  serverUrl: string;
  /** The file that holds the hook token. */
  hookTokenFile: string;
  /** PLUE_HOOK_FEEDBACK_MS: how long the service may take to answer with its decision (the hook waits that, plus a margin). */
  feedbackMs?: number;
}

/** Every installed hook says so on its second line: `hooks install` knows its own hooks from a user's by it. */
export const HOOK_MARKER = '# Installed by plue-trigger:';

/** An existing hook of the user's is kept under this name and run after ours, with the same stdin. */
export const USER_HOOK_SUFFIX = '.user';

export function postReceiveHookScript(
  options: HookScriptOptions,
  kind: 'fastest' | 'node' = 'fastest',
): string {
  const url = new URL(options.serverUrl);
  if (kind === 'node' || url.protocol !== 'http:' || url.pathname !== '/' || url.search !== '') return nodeHook(options);
  return bashHook(url.hostname.replace(/^\[|\]$/g, ''), url.port || '80', options.hookTokenFile, options.feedbackMs ?? 0);
}

// The user's own hook, when `hooks install` found one, runs after ours with the same lines on its stdin; its exit
// status is the hook's (git shows a post-receive hook's output, and ignores its status: the push is done).
const CHAIN_USER_HOOK = `user_hook="\${0%/*}/post-receive${USER_HOOK_SUFFIX}"
if [ -x "$user_hook" ]; then printf '%s\\n' "$updates" | "$user_hook"; exit $?; fi
exit 0`;

function nodeHook(options: HookScriptOptions): string {
  return [
    '#!/bin/sh',
    `${HOOK_MARKER} tells the service about pushed refs at once and shows what it started. Never fails a push.`,
    'updates=$(cat)',
    `printf '%s\\n' "$updates" | PLUE_URL=${quote(options.serverUrl)} PLUE_HOOK_TOKEN_FILE=${quote(options.hookTokenFile)} \\`,
    `  PLUE_HOOK_FEEDBACK_MS=${options.feedbackMs ?? 0} ${quote(process.execPath)} ${quote(options.binPath)} hook post-receive`,
    CHAIN_USER_HOOK,
    '',
  ].join('\n');
}

function bashHook(host: string, port: string, tokenFile: string, feedbackMs: number): string {
  // The service answers within the feedback bound; the margin covers recording the push.
  const answerSeconds = Math.ceil(feedbackMs / 1000) + 10;
  return `#!/usr/bin/env bash
${HOOK_MARKER} tells the service about pushed refs at once and shows what it started. Never fails a push.
# Sends the repository's path and git's "<old> <new> <ref>" lines to POST /api/hooks/post-receive as text, and
# prints the service's answer (the runs started, workflow files with errors) to the pusher: git shows it as remote: lines.
export LC_ALL=C
host=${quote(host)} port=${quote(port)} token_file=${quote(tokenFile)}
updates=$(cat)
warn() { echo "plue-trigger: workflows not notified ($1); the watcher will pick the push up" >&2; }
notify() {
  local token repo body
  { IFS= read -r token <"$token_file"; } 2>/dev/null || [ -n "$token" ] || { warn "cannot read $token_file"; return; }
  repo=$(cd "\${GIT_DIR:-.}" 2>/dev/null && pwd -P) || { warn "no repository"; return; }
  body="$repo"$'\\n'"$updates"$'\\n'
  exec 4>&2
  (
    exec 3<>"/dev/tcp/$host/$port" || exit 3
    printf 'POST /api/hooks/post-receive?wait=true HTTP/1.1\\r\\nHost: %s:%s\\r\\nAuthorization: Bearer %s\\r\\nAccept: text/plain\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' \\
      "$host" "$port" "$token" "\${#body}" "$body" >&3 || exit 3
    IFS=' ' read -r -t ${answerSeconds} _ status _ <&3 || exit 4
    status=\${status%$'\\r'}
    case $status in 2??) ;; *) exit 5 ;; esac
    while IFS= read -r -t 5 line && [ -n "\${line%$'\\r'}" ]; do :; done <&3
    while IFS= read -r -t 5 line || [ -n "$line" ]; do printf '%s\\n' "$line" >&4; line=; done <&3
    exit 0
  ) 2>/dev/null
  case $? in
    0) ;;
    3) warn "cannot reach $host:$port" ;;
    4) warn "no answer from $host:$port" ;;
    *) warn "the service refused the delivery" ;;
  esac
}
notify
${CHAIN_USER_HOOK}
`;
}
