import { describe, expect, it } from 'vitest';
import { eventForWait, payloadMatches, raiseRefusal, type RaisedEvent, type WaitAsk, type WaitBinding } from '../../../server/core/waits/event-for-wait.js';

const ev = (id: number, name: string, payload: unknown = {}): RaisedEvent => ({ id, name, payload });
const ask = (wait_key: string, name: string, filters: Record<string, unknown> | null = null): WaitAsk => ({ wait_key, name, filters });

describe('eventForWait', () => {
  it.each<[string, WaitAsk, RaisedEvent[], WaitBinding[], number | null]>([
    ['no event yet', ask('approval#1', 'approval'), [], [], null],
    ['the only event of its name', ask('approval#1', 'approval'), [ev(1, 'approval')], [], 1],
    ['another name is not taken', ask('approval#1', 'approval'), [ev(1, 'reply')], [], null],
    ['the oldest of its name', ask('approval#1', 'approval'), [ev(3, 'approval'), ev(2, 'approval'), ev(1, 'reply')], [], 2],
    ['not one bound to another wait key', ask('approval#2', 'approval'), [ev(1, 'approval'), ev(2, 'approval')], [{ wait_key: 'approval#1', event_id: 1 }], 2],
    ['none left once all are bound', ask('approval#2', 'approval'), [ev(1, 'approval')], [{ wait_key: 'approval#1', event_id: 1 }], null],
    ['its own binding, even when an older one is free', ask('approval#2', 'approval'), [ev(1, 'approval'), ev(2, 'approval')], [{ wait_key: 'approval#2', event_id: 2 }], 2],
    ['an open wait of another key binds nothing', ask('approval#2', 'approval'), [ev(1, 'approval')], [{ wait_key: 'approval#1', event_id: null }], 1],
    ['filters: equal values only', ask('reply#1', 'reply', { thread: 7 }), [ev(1, 'reply', { thread: 6 }), ev(2, 'reply', { thread: 7, text: 'yes' })], [], 2],
    ['filters: a missing key does not match', ask('reply#1', 'reply', { thread: 7 }), [ev(1, 'reply', { text: 'yes' })], [], null],
    ['filters: a non-object payload does not match', ask('reply#1', 'reply', { thread: 7 }), [ev(1, 'reply', 'yes')], [], null],
    ['empty filters take any payload', ask('reply#1', 'reply', {}), [ev(1, 'reply', 'yes')], [], 1],
  ])('%s', (_, wait, events, bindings, expected) => {
    expect(eventForWait(wait, events, bindings)?.id ?? null).toBe(expected);
  });
});

describe('payloadMatches', () => {
  it.each<[unknown, Record<string, unknown> | null, boolean]>([
    [{ a: 1 }, null, true],
    [{ a: { b: [1, 2] } }, { a: { b: [1, 2] } }, true],
    [{ a: { b: [1, 2] } }, { a: { b: [2, 1] } }, false],
    [{ a: '1' }, { a: 1 }, false],
    [{ a: null }, { a: null }, true],
    [{}, { a: null }, false],
    [[1], { 0: 1 }, false],
  ])('%j with %j → %s', (payload, filters, expected) => {
    expect(payloadMatches(payload, filters)).toBe(expected);
  });
});

describe('raiseRefusal', () => {
  const since = new Date(0);
  const until = new Date(1000);
  it.each<[string, { finished: boolean; status: string }, string[], string, string | null]>([
    ['a running run not waiting yet keeps it', { finished: false, status: 'running' }, [], 'approval', null],
    ['a waiting (queued) run keeps it', { finished: false, status: 'waiting' }, [], 'approval', null],
    ['a run waiting for it takes it', { finished: false, status: 'running' }, ['approval'], 'approval', null],
    ['a run waiting for it among others takes it', { finished: false, status: 'running' }, ['reply', 'approval'], 'approval', null],
    ['a run waiting for another name refuses', { finished: false, status: 'running' }, ['reply'], 'approval', 'it is waiting for `reply`'],
    ['a finished run refuses', { finished: true, status: 'success' }, [], 'approval', 'it has finished (success)'],
  ])('%s', (_, run, names, name, expected) => {
    expect(raiseRefusal(run, names.map((n) => ({ name: n, since, until })), name)?.reason ?? null).toBe(expected);
  });
});
