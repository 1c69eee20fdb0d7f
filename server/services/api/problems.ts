// What the API's services refuse, and why, without knowing HTTP: the HTTP layer turns a kind into a status.

export type ProblemKind = 'not_found' | 'conflict' | 'unprocessable' | 'forbidden';

export class ApiProblem extends Error {
  constructor(readonly kind: ProblemKind, readonly code: string, message: string, readonly details: unknown = null) {
    super(message);
  }
}

/** One rule broken by valid JSON (422): `problems` names each, e.g. every bad input of a dispatch. */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

export const unprocessable = (code: string, message: string, details: unknown = null) => new ApiProblem('unprocessable', code, message, details);
export const notFound = (code: string, message: string, details: unknown = null) => new ApiProblem('not_found', code, message, details);
export const conflict = (code: string, message: string, details: unknown = null) => new ApiProblem('conflict', code, message, details);
