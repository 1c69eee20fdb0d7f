// Whether trying an event again can help. One place decides, from the error alone: the trigger records a
// transient failure and tries again later (with backoff), and dead-letters a permanent one at once.

/**
 * A failure that no retry can mend: a commit or ref the event names does not exist, its payload is malformed.
 * Thrown by the trigger's planners.
 */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';
}

export type EventFailureClass = 'transient' | 'permanent';

// By name, so this module needs none of the code that throws them: work on repository content past its time or
// memory budget (UntrustedWorkError) would cost as much again.
const PERMANENT_NAMES = new Set(['PermanentEventError', 'UntrustedWorkError']);

/**
 * Permanent: the errors named above. Everything else is transient: a lost database connection, a git process that
 * failed or timed out, and whatever is not known, since dead-lettering a good event costs a person's time and
 * retrying a bad one costs only a few attempts.
 */
export function classifyEventFailure(error: unknown): EventFailureClass {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && PERMANENT_NAMES.has(name) ? 'permanent' : 'transient';
}

/** Why an event's payload cannot be triggered as its kind, or null; the fields the planners read, nothing more. */
export function payloadProblem(kind: string, payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'the payload is not a JSON object';
  const p = payload as Record<string, unknown>;
  const needStrings = (...fields: string[]) => {
    const missing = fields.filter((f) => typeof p[f] !== 'string' || p[f] === '');
    return missing.length === 0 ? null : `the ${kind} payload lacks ${missing.map((f) => `\`${f}\``).join(', ')}`;
  };
  switch (kind) {
    case 'push':
      return needStrings('ref', 'before', 'after');
    case 'pull_request':
      return needStrings('action', 'base_ref', 'head_ref', 'base_sha', 'head_sha');
    case 'schedule': {
      const workflow = p.workflow as Record<string, unknown> | undefined;
      const ok = typeof workflow === 'object' && workflow !== null && typeof workflow.path === 'string' && typeof workflow.function === 'string';
      return needStrings('cron', 'timezone') ?? (ok ? null : 'the schedule payload lacks its `workflow` (`path`, `function`)');
    }
    case 'issue':
    case 'chat':
    case 'dispatch':
      return p.ref !== undefined && typeof p.ref !== 'string' ? `the ${kind} payload's \`ref\` is not a string` : null;
    default:
      return null;
  }
}
