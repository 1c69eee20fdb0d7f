import type { DispatchLimits } from '../../config.js';
import { MAX_DISPATCH_PAYLOAD_BYTES } from '../../core/trigger/context-files.js';

// What a dispatch with a payload and context files sends and gets back, from a task or through the user API.

export const handoffProperties = {
  payload: { description: `any JSON, at most ${MAX_DISPATCH_PAYLOAD_BYTES} bytes serialised; the runs get it as \`event.payload.payload\` (ctx.payload)` },
  context: {
    type: 'object', additionalProperties: { type: 'string' },
    description: 'context files, file name → UTF-8 text: plain names only (no `/`, `\\`, `.`, `..`, control characters, spaces at the ends; at most 255 bytes); the runner writes them into `trigger-context/`',
  },
} as const;

export const handoffReply = {
  type: 'object',
  description: 'the run started (or, for a retried Idempotency-Key, the one started first)',
  properties: {
    run_id: { type: 'integer' },
    run_number: { type: 'integer' },
    status: { type: 'string', description: '`waiting`, or `blocked` / `cancelled` by its concurrency group' },
    workflow: { type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' }, function: { type: 'string' } } },
    ref: { type: 'string' },
    sha: { type: 'string' },
    inputs: { type: 'object', additionalProperties: true, description: 'a manual run: its checked inputs' },
    context_files: { type: 'array', items: { type: 'string' }, description: 'a dispatch: the names of its context files' },
  },
} as const;

/** Room for the context files and the payload, JSON-escaped. */
export function handoffBodyLimit(limits: DispatchLimits): number {
  return Math.max(1024 * 1024, 2 * (limits.maxContextBytes + MAX_DISPATCH_PAYLOAD_BYTES) + 64 * 1024);
}
