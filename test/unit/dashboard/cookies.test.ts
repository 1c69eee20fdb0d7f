import { describe, expect, it } from 'vitest';
import { cookieHeader, parseCookies } from '../../../server/core/dashboard/cookies.js';

describe('cookies', () => {
  it.each([
    [undefined, {}],
    ['', {}],
    ['a=1', { a: '1' }],
    ['a=1; b=two', { a: '1', b: 'two' }],
    ['a="quoted"', { a: 'quoted' }],
    ['a=1; a=2', { a: '1' }],
    ['=x; b', {}],
    ['a=x=y', { a: 'x=y' }],
  ])('parses %j', (header, expected) => {
    expect(Object.fromEntries(parseCookies(header))).toEqual(expected);
  });

  it.each([
    [{ secure: false }, 's=v; Path=/; HttpOnly; SameSite=Strict'],
    [{ secure: true, maxAge: 60 }, 's=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure'],
    [{ secure: false, maxAge: 0 }, 's=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=0'],
  ])('writes %j', (options, expected) => {
    expect(cookieHeader('s', 'v', options)).toBe(expected);
  });
});
