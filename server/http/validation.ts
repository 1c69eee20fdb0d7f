import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import type { Problem, RequestPart } from '../services/errors/app-error.js';

// How every route's schemas are checked, and how a failed check reads as `details.problems`.

/**
 * Bodies are checked as sent: a string is not a number, and an unknown field is an error rather than dropped.
 * Parameters, query strings and headers arrive as text, so there the declared types are converted. Ajv is strict
 * (an unknown keyword or a type-less constraint in a schema is a start-up error, not a silently ignored rule),
 * and knows the standard formats (`date-time`…).
 */
export function useStrictValidation(app: FastifyInstance): void {
  const options = { useDefaults: true, removeAdditional: false, allErrors: false, strict: true } as const;
  // Annotations for the OpenAPI document, not rules.
  const keywords = ['example'];
  const body = addFormats.default(new Ajv({ ...options, coerceTypes: false, keywords }));
  const text = addFormats.default(new Ajv({ ...options, coerceTypes: true, keywords }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema));
}

const PARTS: Record<string, RequestPart> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function problemOf(part: RequestPart, error: ErrorObject): Problem {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  const property = error.keyword === 'required' ? params.missingProperty : error.keyword === 'additionalProperties' ? params.additionalProperty : undefined;
  const pointer = error.instancePath + (property === undefined ? '' : `/${escape(property)}`);
  const field = pointer.split('/').slice(1).map(unescape).join('.');
  const where = `${part}${pointer}`;
  switch (error.keyword) {
    case 'required': return { part, field, code: 'required', message: `${where} is required` };
    case 'additionalProperties': return { part, field, code: 'unknown_field', message: `${where} is not a field of this request` };
    case 'enum': {
      const allowed = params.allowedValues ?? [];
      return { part, field, code: 'enum', message: `${where} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`, allowed };
    }
    default: return { part, field, code: error.keyword, message: `${where} ${error.message ?? 'is not valid'}` };
  }
}

/** A failed schema check (Fastify's `error.validation`) as problems, one per broken rule. */
export function problemsOfValidation(context: string | undefined, errors: ReadonlyArray<Partial<ErrorObject>>): Problem[] {
  const part = PARTS[context ?? 'body'] ?? 'body';
  // `anyOf` only says that each branch failed; the branches' own errors say how.
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  return (specific.length > 0 ? specific : errors).map((e) => problemOf(part, { instancePath: '', params: {}, keyword: 'schema', schemaPath: '', ...e }));
}
