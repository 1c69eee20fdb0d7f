import { id, repoParams } from '../../http/schemas/common.js';

// The pages' path parameters, as the API's; ids are digits (checked before this, as in the API).

export const repoPageParams = repoParams;
export const idPageParams = {
  type: 'object', required: ['owner', 'repo', 'id'], additionalProperties: false, properties: { ...repoParams.properties, id },
} as const;
export const taskPageParams = {
  type: 'object', required: ['owner', 'repo', 'id', 'task_id'], additionalProperties: false, properties: { ...repoParams.properties, id, task_id: id },
} as const;
export const pageQuery = {
  type: 'object', additionalProperties: false, properties: { page: { type: 'integer', minimum: 1, maximum: 10_000, default: 1 } },
} as const;
