import type { FastifyInstance } from 'fastify';
import { maxHeartbeatWaitSeconds } from '../../services/runners/runner-services.js';
import type { RunnerServices } from '../../services/runners/runner-services.js';
import { waitForRunEvent } from '../../services/runners/run-waits.js';
import { digitsOnlyId, refuseUnstorable } from '../api-scope.js';
import { typed } from '../type-provider.js';
import { eventName } from './runs.js';
import { taskParams, taskToken, whileConnected } from './runners.js';

// A running task waits for an event raised for its run (docs/runners.md, "Waiting for an event"): a long poll held
// like a heartbeat, fenced by the task token and a live lease.

export function registerTaskWaitRoutes(fastify: FastifyInstance, runners: RunnerServices): void {
  const app = typed(fastify);
  const waitBody = {
    type: 'object', required: ['name', 'wait_key', 'timeout_seconds'], additionalProperties: false,
    properties: {
      name: eventName,
      wait_key: { type: 'string', minLength: 1, maxLength: 200, description: 'the n-th wait for this name in the run: `approval#1`' },
      filters: { type: ['object', 'null'], maxProperties: 20, description: 'payload keys and the values they must equal' },
      timeout_seconds: { type: 'number', minimum: 0, maximum: 366 * 24 * 3600 },
      wait_seconds: { type: 'number', minimum: 0, maximum: maxHeartbeatWaitSeconds(runners.settings.leaseSeconds), default: 0 },
    },
  } as const;

  app.post('/api/runners/tasks/:id/waits', {
    schema: { params: taskParams, body: waitBody },
    preValidation: [digitsOnlyId, async (request) => refuseUnstorable('body', request.body)],
  }, async (request, reply) => {
    const { wait_seconds: waitSeconds, filters, ...wait } = request.body;
    return whileConnected(reply, (gone) => waitForRunEvent(runners.sql, request.params.id, taskToken(request), {
      ...wait, filters: (filters ?? null) as Record<string, unknown> | null,
    }, { signals: runners.runEvents, waitMs: waitSeconds * 1000, abort: gone }));
  });
}
