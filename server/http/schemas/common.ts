// Schema pieces shared by the user API's routes. Request schemas are checked strictly (no unknown fields, no type
// coercion in bodies); response schemas shape the replies and the OpenAPI document.

const name = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const repoParams = {
  type: 'object',
  required: ['owner', 'repo'],
  additionalProperties: false,
  properties: { owner: { ...name, description: 'repository owner' }, repo: { ...name, description: 'repository name' } },
} as const;

export const id = { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1 } as const;

export const runParams = {
  type: 'object',
  required: ['owner', 'repo', 'id'],
  additionalProperties: false,
  properties: { ...repoParams.properties, id: { ...id, description: 'run id' } },
} as const;

export const workflowSelector = {
  type: 'string', minLength: 1, maxLength: 500,
  description: 'a workflow id, its file path (`.plue/workflows/ci.py`, URL-encoded) or file name (`ci.py`), its name, or its function',
} as const;

export const workflowParams = {
  type: 'object',
  required: ['owner', 'repo', 'workflow'],
  additionalProperties: false,
  properties: { ...repoParams.properties, workflow: workflowSelector },
} as const;

export const pageProperties = {
  page: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1, description: 'page number, from 1' },
  per_page: { type: 'integer', minimum: 1, maximum: 100, default: 30, description: 'items per page, at most 100' },
} as const;

/** `POST` without a body means `{}` (routes whose body is all optional). */
export async function bodyOptional(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}

export const emptyBody = { type: 'object', additionalProperties: false, properties: {} } as const;

export const idempotencyHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$',
      description: 'makes a retried request return the first reply and do nothing new (printable ASCII, at most 255)',
    },
  },
} as const;

// Responses.

export const timestamp = { type: 'string', format: 'date-time' } as const;
export const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;
export const anyJson = {} as const;

export const errorReply = {
  type: 'object',
  description: 'an error: `{"error": {code, message, details}}`',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'stable, snake_case' },
        message: { type: 'string' },
        details: {
          description: 'more about the error, or null; validation errors list `problems`, each `{part, field, code, message, allowed?}` (docs/api.md, Problems)',
        },
      },
    },
  },
} as const;

/** Every route's error replies, for the OpenAPI document. */
export const errorReplies = { '4xx': errorReply } as const;
