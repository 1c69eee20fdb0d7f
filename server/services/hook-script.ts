// The post-receive hook a host installs in each repository. It carries where and how to deliver, and never
// fails a push. For a plain http:// address it is a bash script that talks HTTP over bash's /dev/tcp: it starts
// in a few milliseconds, where a node process takes tens. Otherwise it runs `plue-trigger hook post-receive`.

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function postReceiveHookScript(
  options: { binPath: string; serverUrl: string; hookToken: string },
  kind: 'fastest' | 'node' = 'fastest',
): string {
  const url = new URL(options.serverUrl);
  if (kind === 'node' || url.protocol !== 'http:' || url.pathname !== '/' || url.search !== '') return nodeHook(options);
  return bashHook(url.hostname.replace(/^\[|\]$/g, ''), url.port || '80', options.hookToken);
}

function nodeHook(options: { binPath: string; serverUrl: string; hookToken: string }): string {
  return [
    '#!/bin/sh',
    '# Installed by plue-trigger: tells the service about pushed refs at once. Never fails a push.',
    `PLUE_URL=${quote(options.serverUrl)} PLUE_HOOK_TOKEN=${quote(options.hookToken)} \\`,
    `  ${quote(process.execPath)} ${quote(options.binPath)} hook post-receive || true`,
    '',
  ].join('\n');
}

function bashHook(host: string, port: string, token: string): string {
  return `#!/usr/bin/env bash
# Installed by plue-trigger: tells the service about pushed refs at once. Never fails a push.
# Sends the repository's path and git's "<old> <new> <ref>" lines to POST /api/hooks/post-receive as text.
export LC_ALL=C
host=${quote(host)} port=${quote(port)} token=${quote(token)}
updates=$(cat)
warn() { echo "plue-trigger: workflows not notified ($1); the watcher will pick the push up" >&2; }
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
