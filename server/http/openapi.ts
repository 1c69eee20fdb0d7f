import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

// The OpenAPI document is generated from the routes' own schemas, so it cannot drift from what they check.

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'plue-trigger',
        version: '1',
        description: 'Workflows, runs, manual dispatch and host events (docs/api.md); the runner protocol (docs/runners.md).',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API token (`plue-trigger token create`)' },
        },
      },
      tags: [
        { name: 'repositories', description: 'repositories and their default branch' },
        { name: 'workflows', description: "the default branch's workflows, and manual runs" },
        { name: 'runs', description: 'runs, their jobs, attempts and logs' },
        { name: 'events', description: 'events handed in by the git host' },
      ],
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
