import { ERROR_CATALOGUE, messageOf } from './catalogue.js';
import type { ErrorCode, MessageParams, ValidationCode } from './catalogue.js';

// What a service refuses, and why, without knowing HTTP: a catalogue code, its message, and details for the reply.

/** Where in the request a problem is. */
export type RequestPart = 'body' | 'query' | 'path' | 'header';

/**
 * One rule broken by one field, the shape of every validation error's `details.problems` (docs/api.md, Errors):
 * `field` is a dotted path inside `part` ('' for the part itself); `allowed` lists the values an enum takes.
 */
export interface Problem {
  part: RequestPart;
  field: string;
  code: string;
  message: string;
  allowed?: readonly unknown[];
}

type Args<C extends ErrorCode> = keyof MessageParams<C> extends never
  ? [params?: MessageParams<C>, details?: unknown]
  : [params: MessageParams<C>, details?: unknown];

export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'AppError';
  readonly details: unknown;

  constructor(readonly code: C, ...[params, details = null]: Args<C>) {
    super(messageOf(code, (params ?? {}) as MessageParams<C>));
    this.details = details;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }
}

/** A validation error: its message joins the problems' messages, its details list them. */
export function invalid(code: ValidationCode, problems: Problem[]): AppError<ValidationCode> {
  return new AppError(code, { problems: problems.map((p) => p.message).join('; ') }, { problems });
}
