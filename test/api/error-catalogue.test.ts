// The error catalogue and the documentation's error tables list the same codes, with the same statuses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../server/services/errors/catalogue.js';
import { AppError, invalid } from '../../server/services/errors/app-error.js';

/** `code → status` from the rows of a document's tables that start `| 409 | \`run_finished\`, … |`. */
function documentedCodes(file: string): Map<string, number> {
  const text = readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');
  const codes = new Map<string, number>();
  for (const row of text.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)) {
    for (const code of row[2]!.matchAll(/`([a-z_]+)`/g)) codes.set(code[1]!, Number(row[1]));
  }
  return codes;
}

const documented = new Map([...documentedCodes('api.md'), ...documentedCodes('runners.md')]);
const catalogue = Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status] as const);

describe('the error catalogue', () => {
  it('has every code documented in docs/api.md or docs/runners.md, with its status', () => {
    const undocumented = catalogue.filter(([code, status]) => documented.get(code) !== status);
    expect(undocumented).toEqual([]);
  });

  it('has every code the documents list', () => {
    expect([...documented.keys()].filter((code) => !Object.hasOwn(ERROR_CATALOGUE, code))).toEqual([]);
  });

  it('fills a message template from its params', () => {
    const error = new AppError('run_finished', { run: 3, status: 'cancelled' }, { status: 'cancelled' });
    expect([error.status, error.code, error.message, error.details]).toEqual([409, 'run_finished', 'run 3 has already finished (cancelled)', { status: 'cancelled' }]);
    expect(new AppError('internal').message).toBe('internal error');
  });

  it('joins the problems of a validation error into its message', () => {
    const problems = [
      { part: 'body' as const, field: 'a', code: 'type', message: 'body/a must be string' },
      { part: 'query' as const, field: 'b', code: 'enum', message: 'query/b must be one of "x"', allowed: ['x'] },
    ];
    const error = invalid('invalid_request', problems);
    expect([error.status, error.message, error.details]).toEqual([400, 'body/a must be string; query/b must be one of "x"', { problems }]);
  });
});
