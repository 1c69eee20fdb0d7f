// Every error code the service answers with: its HTTP status and its message, `{name}` filled from the error's
// params. docs/api.md and docs/runners.md document the same codes (test/api/error-catalogue.test.ts holds the
// three together). Services throw `AppError`s with these codes; server/http/errors.ts turns them into replies.

export const ERROR_CATALOGUE = {
  invalid_request: { status: 400, message: '{problems}' },
  invalid_json: { status: 400, message: 'the body {reason}' },
  invalid_url: { status: 400, message: 'the URL is not valid (bad percent-encoding?)' },
  unauthorized: { status: 401, message: 'missing or invalid bearer token' },
  forbidden: { status: 403, message: '{reason}' },
  not_found: { status: 404, message: '{what} not found' },
  workflow_not_found: { status: 404, message: '{reason}' },
  repository_unavailable: { status: 409, message: 'repository {repository} is not on disk any more' },
  repository_conflict: { status: 409, message: 'repository {repository} exists twice on disk (as `<name>.git` and `<name>/`); an operator must remove or rename one' },
  run_finished: { status: 409, message: 'run {run} has already finished ({status})' },
  run_not_finished: { status: 409, message: 'run {run} is still {status}; cancel it or wait for it to finish' },
  run_not_waiting: { status: 409, message: 'run {run} does not take the event `{name}`: {reason}' },
  nothing_to_rerun: { status: 409, message: 'run {run} has no task to run again' },
  delivery_not_failed: { status: 409, message: 'delivery {delivery} is {status}, not failed: only a failed delivery can be redelivered' },
  event_not_failed: { status: 409, message: 'event {event} is {status}, not failed: only a failed event can be retried' },
  idempotency_conflict: { status: 409, message: 'a request with this Idempotency-Key is being processed; retry' },
  lease_lost: { status: 409, message: 'this runner no longer holds the task ({state})' },
  task_already_completed: { status: 409, message: 'task {task} has already ended ({state}); only the same completion is answered again' },
  source_unavailable: { status: 410, message: '{reason}' },
  body_too_large: { status: 413, message: 'the body is larger than the limit of {limit} bytes' },
  uri_too_long: { status: 414, message: 'a path segment of the URL is too long' },
  unsupported_media_type: { status: 415, message: 'unsupported Content-Type `{type}`; send JSON with Content-Type: application/json' },
  invalid_inputs: { status: 422, message: '{problems}' },
  invalid_event: { status: 422, message: '{problems}' },
  unknown_ref: { status: 422, message: '`{ref}` is not a branch or tag of {repository}' },
  no_default_branch: { status: 422, message: 'the repository has no default branch; give a ref' },
  not_manually_triggerable: { status: 422, message: 'workflow `{workflow}` cannot be started by hand: {reason}; it needs a `manual` trigger' },
  not_dispatchable: { status: 422, message: 'workflow `{workflow}` is not started by dispatch (its triggers: {triggers}); it needs a `dispatch()` trigger' },
  invalid_context_file: { status: 422, message: '{problems}' },
  loop_detected: { status: 422, message: '{reason}' },
  invalid_workflow: { status: 422, message: '{path} has errors; fix them first (plue-trigger check)' },
  ambiguous_workflow: { status: 422, message: '`{selector}` names {count} workflows; {hint}' },
  idempotency_key_reused: { status: 422, message: 'this {key} was already used for a different {what}' },
  unknown_repository: { status: 422, message: '{reason}' },
  log_offset_gap: { status: 422, message: 'log offset is past the lines received so far; send from offset {next_offset}' },
  webhook_url_refused: { status: 422, message: 'the hook URL is refused: {reason}' },
  labels_not_registered: { status: 422, message: 'labels not registered for this runner: {labels}' },
  internal: { status: 500, message: 'internal error' },
  database_unavailable: { status: 503, message: 'the database is not reachable; retry in a few seconds' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes whose errors are about the request's fields: their details always carry `problems`. */
export const VALIDATION_CODES = ['invalid_request', 'invalid_inputs', 'invalid_event', 'invalid_context_file'] as const satisfies readonly ErrorCode[];
export type ValidationCode = (typeof VALIDATION_CODES)[number];

type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never;

/** What a code's message template needs, e.g. `{ what: 'run 5' }` for `not_found`. */
export type MessageParams<C extends ErrorCode> = { [K in Placeholders<(typeof ERROR_CATALOGUE)[C]['message']>]: string | number };

export function messageOf<C extends ErrorCode>(code: C, params: MessageParams<C>): string {
  const values = params as Record<string, string | number>;
  return ERROR_CATALOGUE[code].message.replace(/\{(\w+)\}/g, (_all, name: string) => String(values[name] ?? ''));
}
