import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { openDatabase } from '../adapters/db/connect.js';
import type { Database } from '../adapters/db/connect.js';
import { migrate } from '../adapters/db/migrate.js';
import { ResilientListener } from '../adapters/db/listener.js';
import { EVENTS_CHANNEL } from '../adapters/db/workflow-run-events.js';
import { RefWatcher } from '../adapters/watch/ref-watcher.js';
import { watchLimitMessage } from './watch-limit.js';
import { watchReposDir } from '../adapters/watch/repos-dir-watcher.js';
import type { Config } from '../config.js';
import { capConnections } from '../http/connection-limits.js';
import { buildApp } from '../http/app.js';
import { gitRepository } from '../adapters/git/index.js';
import { createDemoRepository } from './demo.js';
import { installHookLogged, installPostReceiveHook } from './hook-install.js';
import { postReceiveHookScript } from './hook-script.js';
import { loadHookToken } from './hook-token.js';
import { RepositoryRegistry } from './ingest/registry.js';
import type { KnownRepository } from './ingest/registry.js';
import { startRunnerServices } from './runners/runner-services.js';
import type { RunnerServiceOptions, RunnerServices } from './runners/runner-services.js';
import { loadRegistrationToken } from './runners/tokens.js';
import { describeNewRepositories, refreshDefinitions } from './trigger/refresh-definitions.js';
import { Scheduler } from './schedules/scheduler.js';
import type { SchedulerOptions } from './schedules/scheduler.js';
import { TriggerLoop } from './trigger/trigger-loop.js';
import type { TriggerLoopOptions } from './trigger/trigger-loop.js';
import { WorkflowSource } from './trigger/workflow-source.js';
import { UntrustedWork } from './untrusted/pool.js';
import { WebhookSender } from './webhooks/sender.js';
import type { WebhookSenderOptions } from './webhooks/sender.js';
import { asError } from '../logger.js';
import { BIN_PATH, PACKAGE_ROOT } from '../package-root.js';

// Tests and benches take the command's path from here, as the hook script does.
export { BIN_PATH };
const RESYNC_MS = 2000;
const RESCAN_NEW_FOLDER_MS = 250;
const UNWATCHED_SWEEP_MS = 60_000;

export interface Service {
  app: FastifyInstance;
  url: string;
  db: Database;
  registry: RepositoryRegistry;
  trigger: TriggerLoop;
  hookToken: string;
  /** The file installed hooks read the token from. */
  hookTokenFile: string;
  hookScript: string;
  demoRepository: string | null;
  runners: RunnerServices;
  scheduler: Scheduler;
  webhooks: WebhookSender;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Start the HTTP server; tests may use `app.inject()` without a socket. */
  listen?: boolean;
  trigger?: TriggerLoopOptions;
  watchDebounceMs?: number;
  /** Watch refs (default true); off, only the hook and start-up catch-up see pushes. */
  watch?: boolean;
  /** How often repositories past the watch limit are compared with their recorded refs (default 60 s). */
  unwatchedSweepMs?: number;
  runners?: RunnerServiceOptions;
  /** The clock schedules follow (tests move it); default the system's. */
  clock?: () => Date;
  scheduler?: Partial<SchedulerOptions>;
  webhooks?: Partial<WebhookSenderOptions>;
}

export async function startService(config: Config, log: Logger, options: ServiceOptions = {}): Promise<Service> {
  const db = await openDatabase({ url: config.databaseUrl ?? undefined, dataDir: config.dataDir, log });
  const closers: Array<() => Promise<void>> = [() => db.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((error: unknown) => log.warn({ err: asError(error) }, 'error while stopping'));
  };
  const clock = options.clock ?? (() => new Date());
  try {
    await migrate(db.sql, { log });
    const { token: hookToken, file: hookTokenFile } = await loadHookToken(config.hookToken, config.dataDir);
    // Parsing and matching repository content run in worker threads, within a budget (docs/architecture.md).
    const untrusted = new UntrustedWork(config.untrusted);
    closers.push(() => untrusted.close());
    const source = new WorkflowSource({ parse: (task) => untrusted.parse(task), maxBytes: config.maxWorkflowBytes, maxFiles: config.maxWorkflowFiles });
    const demoRepository = config.createDemo
      ? await createDemoRepository(config.reposDir, path.join(PACKAGE_ROOT, 'test-repo'))
      : null;

    // One scan of the repos folder at a time; asked for by the folder watcher and by the trigger.
    let rescanning: Promise<void> | null = null;
    let rescanLater: NodeJS.Timeout | undefined;
    let closing = false;
    const rescan = () => {
      rescanning ??= registry.scan('watcher')
        .catch((error: unknown) => log.warn({ err: asError(error) }, 'cannot rescan repositories'))
        .finally(() => {
          rescanning = null;
          // A folder that appeared while `git init` was still writing it: look again shortly.
          clearTimeout(rescanLater);
          if (!closing && registry.awaitsRepository()) rescanLater = setTimeout(rescan, RESCAN_NEW_FOLDER_MS);
        });
    };
    const trigger = new TriggerLoop({
      sql: db.sql, source, log, maxChangedFiles: config.maxChangedFiles, maxAttempts: 10, maxRunsPerEvent: config.maxRunsPerEvent,
      maxDispatchDepth: config.dispatch.maxDepth,
      match: (event, files) => untrusted.match(event, files),
      gitOf: async (repo) => registry.byId(repo.id)?.git ?? null,
      onRepositoryUnknown: () => rescan(),
      clock,
    }, options.trigger);
    closers.push(() => trigger.stop());
    // Events recorded outside the doors (a run's end, on any replica) are triggered at once; after a lost LISTEN
    // connection the trigger's poll finds them.
    const pendingEvents = new ResilientListener(db.sql, log, EVENTS_CHANNEL, {
      notified: (payload) => { const id = Number(payload); if (Number.isSafeInteger(id)) trigger.kick(id); },
      relistened: () => undefined,
    });
    await pendingEvents.start();
    closers.push(() => pendingEvents.close());

    const watcher = new RefWatcher({
      debounceMs: options.watchDebounceMs,
      maxWatches: config.maxWatches,
      onSignal: (key) => void registry.syncOrRetry(key),
      onError: (error) => log.warn({ err: asError(error) }, 'file watcher error'),
      onLimit: (limit) => log.warn({ limit }, watchLimitMessage(limit, unwatchedSweepMs)),
    });
    closers.push(() => watcher.close());
    // Repositories past the watch limit: their hooks record pushes as ever; without one, this notices them.
    const unwatchedSweepMs = options.unwatchedSweepMs ?? UNWATCHED_SWEEP_MS;
    let sweeping = false;
    const sweep = setInterval(() => {
      if (sweeping || watcher.unwatched.size === 0) return;
      sweeping = true;
      const repos = [...watcher.unwatched].flatMap((key) => registry.get(key) ?? []);
      void registry.catchUp(repos, 'watcher').finally(() => { sweeping = false; });
    }, unwatchedSweepMs);
    closers.push(async () => clearInterval(sweep));
    // PLUE_INSTALL_HOOKS: every repository found gets the hook, once the hook's address is known (below).
    let installHook: ((repo: KnownRepository) => void) | null = null;
    const registry: RepositoryRegistry = new RepositoryRegistry(db.sql, config.reposDir, log, {
      onEvents: (id) => trigger.kick(id),
      onDefaultBranchToDescribe: (repo) => refreshDefinitions(db.sql, source, repo, clock).then(() => undefined, (error: unknown) =>
        log.warn({ repository: repo.key, err: asError(error) }, 'cannot read the default branch workflows')),
      onRegisteredToDescribe: (repos) => describeNewRepositories(db.sql, source, repos, clock, (repo, error) =>
        log.warn({ repository: repo.key, err: asError(error) }, 'cannot read the default branch workflows')),
      onWatched: (repo) => {
        if (options.watch !== false) watcher.add({ key: repo.key, gitDir: repo.gitDir, workDir: repo.bare ? null : path.dirname(repo.gitDir) });
        installHook?.(repo);
      },
      onUnwatched: (key) => watcher.remove(key),
    }, { maxRefsPerPush: config.maxRefsPerPush });
    const resync = setInterval(() => void registry.retryFailedSyncs(), RESYNC_MS);
    closers.push(async () => clearInterval(resync));

    // The repos folder is watched before the start reads it: a folder made meanwhile is seen by that read, or
    // by the rescan its change asks for once the start is done.
    let starting = true;
    let changedWhileStarting = false;
    const reposWatcher = watchReposDir(config.reposDir, {
      onChange: () => {
        if (starting) changedWhileStarting = true;
        else rescan();
      },
      onAppeared: (folder) => void registry.folderAppeared(folder).catch((error: unknown) => log.warn({ err: asError(error), folder }, 'cannot read a new folder')),
      onError: (error) => log.warn({ err: asError(error) }, 'repos folder watcher error'),
    });
    closers.push(async () => {
      closing = true;
      clearTimeout(rescanLater);
      await reposWatcher.close();
    });
    const started = Date.now();
    await registry.scan('startup');
    starting = false;
    log.info({ repositories: registry.list().length, ms: Date.now() - started }, `watching ${registry.list().length} repositories under ${config.reposDir}`);
    if (changedWhileStarting) {
      rescan();
      await rescanning;
    }
    trigger.start();
    const scheduler = new Scheduler(db.sql, log, {
      catchUpMs: config.scheduleCatchUpMs, clock, onFired: (id) => trigger.kick(id), ...options.scheduler,
    });
    scheduler.start();
    closers.push(() => scheduler.stop());

    const registration = await loadRegistrationToken(config.runnerRegistrationToken, config.dataDir);
    if (registration.generated) log.info(`runner registration token generated; kept in ${registration.file} (mode 0600)`);
    const runners = await startRunnerServices(db.sql, log, {
      registrationToken: registration.token, leaseSeconds: config.runnerLeaseSeconds, maxAttempts: config.runnerMaxAttempts,
    }, options.runners);
    closers.push(() => runners.stop());

    // Known once listening when PLUE_URL does not say it (port 0).
    let serverUrl = config.serverUrl;
    const app = await buildApp({
      sql: db.sql, log, registry, hookToken, hookFeedbackMs: config.hookFeedbackMs, runners, source, dispatch: config.dispatch, publicRead: config.publicRead, httpLimits: config.http,
      onEventRecorded: (id) => trigger.kick(id), clock, serverUrl: () => serverUrl, webhooks: config.webhooks,
    });
    capConnections(app.server, config.http);
    closers.push(() => app.close());
    const url = options.listen === false ? config.serverUrl : await app.listen({ port: config.port, host: config.host });
    if (!config.explicitServerUrl) serverUrl = url;
    const webhooks = new WebhookSender(db.sql, log, config.webhooks, { serverUrl, ...options.webhooks });
    await webhooks.start();
    closers.push(() => webhooks.stop());
    const hookScript = postReceiveHookScript({
      binPath: BIN_PATH, serverUrl: config.explicitServerUrl ? config.serverUrl : url, hookTokenFile, feedbackMs: config.hookFeedbackMs,
    });
    if (demoRepository) await installPostReceiveHook(gitRepository(demoRepository), hookScript);
    if (config.installHooks) {
      installHook = (repo) => void installHookLogged(log, repo, hookScript);
      for (const repo of registry.list()) installHook(repo);
    }
    return { app, url, db, registry, trigger, scheduler, webhooks, hookToken, hookTokenFile, hookScript, demoRepository, runners, close };
  } catch (error) {
    await close();
    throw error;
  }
}
