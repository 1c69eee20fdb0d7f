import path from 'node:path';

// The only place that reads the environment; everything else takes a Config.

export interface DispatchLimits {
  /** PLUE_DISPATCH_MAX_DEPTH: a handoff deeper than this is a loop. */
  maxDepth: number;
  /** PLUE_DISPATCH_MAX_CONTEXT_FILES and PLUE_DISPATCH_MAX_CONTEXT_BYTES (all files' UTF-8 bytes together). */
  maxContextFiles: number;
  maxContextBytes: number;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  reposDir: string;
  logLevel: string;
  maxWorkflowBytes: number;
  maxChangedFiles: number;
  /** Workflow files read from one commit (PLUE_MAX_WORKFLOW_FILES). */
  maxWorkflowFiles: number;
  /** Runs one event may start (PLUE_MAX_RUNS_PER_EVENT). */
  maxRunsPerEvent: number;
  /** Ref updates of one push that get events (PLUE_MAX_REFS_PER_PUSH). */
  maxRefsPerPush: number;
  /** Inotify watches the ref watcher may hold, 0 for as many as the kernel gives (PLUE_MAX_WATCHES). */
  maxWatches: number;
  hookToken: string | null;
  /** How long the post-receive hook waits for the trigger's decision to show the pusher (PLUE_HOOK_FEEDBACK_MS; 0: off). */
  hookFeedbackMs: number;
  /** Install the post-receive hook into every repository found, now and as they appear (PLUE_INSTALL_HOOKS=1). */
  installHooks: boolean;
  /** Where `hook post-receive` delivers updates. */
  serverUrl: string;
  /** PLUE_URL was set: hooks use it rather than the address the server listens on. */
  explicitServerUrl: boolean;
  createDemo: boolean;
  /** Lets runners register; generated into the data folder when not configured. */
  runnerRegistrationToken: string | null;
  /** How long a claimed task stays with its runner without a heartbeat. */
  runnerLeaseSeconds: number;
  /** How late a schedule's missed instant may still fire after downtime (PLUE_SCHEDULE_CATCH_UP, minutes). */
  scheduleCatchUpMs: number;
  /** Handoffs between workflows: the longest chain, and the context files one dispatch may carry. */
  dispatch: DispatchLimits;
  /** Attempts of a job whose runner is lost, before the job fails. */
  runnerMaxAttempts: number;
  /** The user API's reads need no token (PLUE_PUBLIC_READ=1); writes always do. */
  publicRead: boolean;
  http: HttpLimits;
  untrusted: UntrustedLimits;
  webhooks: WebhookSettings;
}

/** What slow or greedy clients may hold of the HTTP server. */
export interface HttpLimits {
  /** Time to receive a whole request, body included (PLUE_HTTP_REQUEST_SECONDS). */
  requestTimeoutMs: number;
  /** Time to receive a request's headers (PLUE_HTTP_HEADERS_SECONDS). */
  headersTimeoutMs: number;
  /** How long an idle kept-alive connection stays open (PLUE_HTTP_KEEPALIVE_SECONDS). */
  keepAliveTimeoutMs: number;
  /** Open connections in all (PLUE_HTTP_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Open connections from one address (PLUE_HTTP_MAX_CONNECTIONS_PER_ADDRESS). */
  maxConnectionsPerAddress: number;
}

/** Webhook deliveries (services/webhooks/sender.ts). */
export interface WebhookSettings {
  /** PLUE_WEBHOOK_ALLOW_PRIVATE: loopback, link-local and private addresses may receive. */
  allowPrivate: boolean;
  /** PLUE_WEBHOOK_TIMEOUT_MS: how long one attempt may take. */
  timeoutMs: number;
  /** PLUE_WEBHOOK_RETRY_BASE_MS: the ceiling of the first wait before a retry. */
  baseMs: number;
  /** PLUE_WEBHOOK_MAX_ATTEMPTS: attempts before a retryable failure is a dead letter. */
  maxAttempts: number;
}

/** The budget of work on repository content: parsing and matching (services/untrusted). */
export interface UntrustedLimits {
  /** Time one parse or match may take (PLUE_EVENT_TIME_SECONDS). */
  timeMs: number;
  /** Heap of one worker thread (PLUE_EVENT_MEMORY_MB). */
  memoryMb: number;
  /** Worker threads (PLUE_EVENT_THREADS). */
  threads: number;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be 1 or 0, got "${env[name]}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv, cwd: string): Config {
  const dataDir = path.resolve(cwd, env.PLUE_DATA_DIR || './data');
  const port = integer(env, 'PORT', 4000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL || null,
    dataDir,
    reposDir: path.resolve(cwd, env.PLUE_REPOS_DIR || path.join(dataDir, 'repos')),
    logLevel: env.PLUE_LOG_LEVEL || 'info',
    maxWorkflowBytes: integer(env, 'PLUE_MAX_WORKFLOW_BYTES', 256 * 1024, 1, 64 * 1024 * 1024),
    maxChangedFiles: integer(env, 'PLUE_MAX_CHANGED_FILES', 3000, 1, 1_000_000),
    maxWorkflowFiles: integer(env, 'PLUE_MAX_WORKFLOW_FILES', 1000, 1, 1_000_000),
    maxRunsPerEvent: integer(env, 'PLUE_MAX_RUNS_PER_EVENT', 256, 1, 100_000),
    maxRefsPerPush: integer(env, 'PLUE_MAX_REFS_PER_PUSH', 1000, 1, 1_000_000),
    maxWatches: integer(env, 'PLUE_MAX_WATCHES', 0, 0, 100_000_000),
    hookToken: env.PLUE_HOOK_TOKEN || null,
    hookFeedbackMs: integer(env, 'PLUE_HOOK_FEEDBACK_MS', 2000, 0, 60_000),
    installHooks: flag(env, 'PLUE_INSTALL_HOOKS'),
    serverUrl: env.PLUE_URL || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    explicitServerUrl: Boolean(env.PLUE_URL),
    createDemo: env.PLUE_DEMO !== '0',
    runnerRegistrationToken: env.PLUE_RUNNER_REGISTRATION_TOKEN || null,
    runnerLeaseSeconds: integer(env, 'PLUE_RUNNER_LEASE_SECONDS', 60, 1, 3600),
    runnerMaxAttempts: integer(env, 'PLUE_RUNNER_MAX_ATTEMPTS', 3, 1, 100),
    scheduleCatchUpMs: integer(env, 'PLUE_SCHEDULE_CATCH_UP', 15, 0, 7 * 24 * 60) * 60_000,
    dispatch: {
      maxDepth: integer(env, 'PLUE_DISPATCH_MAX_DEPTH', 16, 0, 1000),
      maxContextFiles: integer(env, 'PLUE_DISPATCH_MAX_CONTEXT_FILES', 100, 0, 10_000),
      maxContextBytes: integer(env, 'PLUE_DISPATCH_MAX_CONTEXT_BYTES', 1024 * 1024, 0, 64 * 1024 * 1024),
    },
    publicRead: flag(env, 'PLUE_PUBLIC_READ'),
    http: {
      requestTimeoutMs: integer(env, 'PLUE_HTTP_REQUEST_SECONDS', 30, 1, 3600) * 1000,
      headersTimeoutMs: integer(env, 'PLUE_HTTP_HEADERS_SECONDS', 10, 1, 3600) * 1000,
      keepAliveTimeoutMs: integer(env, 'PLUE_HTTP_KEEPALIVE_SECONDS', 5, 1, 3600) * 1000,
      maxConnections: integer(env, 'PLUE_HTTP_MAX_CONNECTIONS', 2000, 1, 1_000_000),
      maxConnectionsPerAddress: integer(env, 'PLUE_HTTP_MAX_CONNECTIONS_PER_ADDRESS', 200, 1, 1_000_000),
    },
    webhooks: {
      allowPrivate: flag(env, 'PLUE_WEBHOOK_ALLOW_PRIVATE'),
      timeoutMs: integer(env, 'PLUE_WEBHOOK_TIMEOUT_MS', 10_000, 100, 600_000),
      baseMs: integer(env, 'PLUE_WEBHOOK_RETRY_BASE_MS', 10_000, 1, 3_600_000),
      maxAttempts: integer(env, 'PLUE_WEBHOOK_MAX_ATTEMPTS', 12, 1, 100),
    },
    untrusted: {
      timeMs: integer(env, 'PLUE_EVENT_TIME_SECONDS', 20, 1, 3600) * 1000,
      memoryMb: integer(env, 'PLUE_EVENT_MEMORY_MB', 256, 16, 65536),
      threads: integer(env, 'PLUE_EVENT_THREADS', 2, 1, 64),
    },
  };
}
