import { describe, expect, it } from 'vitest';
import { serverSentEvent, streamStart } from '../../../server/core/dashboard/stream-start.js';

describe('where a live log stream starts', () => {
  it.each([
    [undefined, undefined, 0],
    [undefined, '12', 12],
    ['7', '12', 8],
    ['', '3', 3],
    ['0', undefined, 1],
    ['x', '3', null],
    ['-1', undefined, null],
    [undefined, '1e3', null],
    [undefined, '0x10', null],
    ['9999999999', undefined, null],
  ])('Last-Event-ID %j, from %j → %j', (lastEventId, from, expected) => {
    expect(streamStart(lastEventId, from)).toBe(expected);
  });

  it('writes an event with its id', () => {
    expect(serverSentEvent('line', { content: 'a\nb' }, 4)).toBe('id: 4\nevent: line\ndata: {"content":"a\\nb"}\n\n');
    expect(serverSentEvent('end', { status: 'success' })).toBe('event: end\ndata: {"status":"success"}\n\n');
  });
});
