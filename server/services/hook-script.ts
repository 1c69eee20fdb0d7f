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
}

export function postReceiveHookScript(
  options: HookScriptOptions,
  kind: 'fastest' | 'node' = 'fastest',
): string {
  const url = new URL(options.serverUrl);
  if (kind === 'node' || url.protocol !== 'http:' || url.pathname !== '/' || url.search !== '') return nodeHook(options);
  return bashHook(url.hostname.replace(/^\[|\]$/g, ''), url.port || '80', options.hookTokenFile);
}

function nodeHook(options: HookScriptOptions): string {
  return [
    '#!/bin/sh',
    '# Installed by plue-trigger: tells the service about pushed refs at once. Never fails a push.',
    `PLUE_URL=${quote(options.serverUrl)} PLUE_HOOK_TOKEN_FILE=${quote(options.hookTokenFile)} \\`,
    `  ${quote(process.execPath)} ${quote(options.binPath)} hook post-receive || true`,
    '',
  ].join('\n');
}

function bashHook(host: string, port: string, tokenFile: string): string {
  return `#!/usr/bin/env bash
# Installed by plue-trigger: tells the service about pushed refs at once. Never fails a push.
# Sends the repository's path and git's "<old> <new> <ref>" lines to POST /api/hooks/post-receive as text.
export LC_ALL=C
host=${quote(host)} port=${quote(port)} token_file=${quote(tokenFile)}
updates=$(cat)
warn() { echo "plue-trigger: workflows not notified ($1); the watcher will pick the push up" >&2; }
{ IFS= read -r token <"$token_file"; } 2>/dev/null || [ -n "$token" ] || { warn "cannot read $token_file"; exit 0; }
repo=$(cd "\${GIT_DIR:-.}" 2>/dev/null && pwd -P) || { warn "no repository"; exit 0; }
body="$repo"$'\\n'"$updates"$'\\n'
(
  exec 3<>"/dev/tcp/$host/$port" || exit 3
  printf 'POST /api/hooks/post-receive HTTP/1.1\\r\\nHost: %s:%s\\r\\nAuthorization: Bearer %s\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' \\
    "$host" "$port" "$token" "\${#body}" "$body" >&3 || exit 3
  IFS=' ' read -r -t 10 _ status _ <&3 || exit 4
  status=\${status%$'\\r'}
  case $status in 2??) ;; *) exit 5 ;; esac
) 2>/dev/null
case $? in
  0) ;;
  3) warn "cannot reach $host:$port" ;;
  4) warn "no answer from $host:$port" ;;
  *) warn "the service refused the delivery" ;;
esac
exit 0
`;
}
