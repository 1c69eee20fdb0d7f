import type { Logger } from 'pino';
import type { DispatchLimits, HttpLimits, WebhookSettings } from '../config.js';
import type { Sql } from '../adapters/db/connect.js';
import type { RepositoryRegistry } from '../services/ingest/registry.js';
import type { RunnerServices } from '../services/runners/runner-services.js';
import type { WorkflowSource } from '../services/trigger/workflow-source.js';

/** What `buildApp` and its routes are given. */
export interface AppDeps {
  sql: Sql;
  log: Logger;
  registry: RepositoryRegistry;
  hookToken: string;
  /** PLUE_HOOK_FEEDBACK_MS: how long the hook's door waits for the decision it shows the pusher; absent, 0 (no wait). */
  hookFeedbackMs?: number;
  /** Reads workflows at a commit (manual dispatch, handoffs). */
  source: WorkflowSource;
  /** Handoffs: the longest chain, the context files a dispatch may carry. */
  dispatch: DispatchLimits;
  /** Reads of the user API need no token (PLUE_PUBLIC_READ=1). */
  publicRead?: boolean;
  /** An event was recorded through the API: trigger the repository's pending events now. */
  onEventRecorded?(repositoryId: number): void;
  /** The runner protocol; absent, its routes are not served. */
  runners?: RunnerServices;
  /** The clock schedules follow; absent, the system's. */
  clock?(): Date;
  /** The service's own URL (PLUE_URL, or where it listens), for links in replies; absent, the request's host. */
  serverUrl?(): string;
  /** Timeouts against slow clients; absent, node's defaults (tests that inject requests). */
  httpLimits?: HttpLimits;
  /** Webhooks: whether hooks may name private addresses; absent, they may not. */
  webhooks?: Pick<WebhookSettings, 'allowPrivate'>;
}
