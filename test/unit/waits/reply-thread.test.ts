import { describe, expect, it } from 'vitest';
import { waitReason } from '../../../server/core/waits/event-for-wait.js';
import { replyThread, threadOf, workflowsResumedInstead } from '../../../server/core/waits/reply-thread.js';

describe('threadOf and replyThread', () => {
  it.each<[string, unknown, ReturnType<typeof threadOf>, ReturnType<typeof replyThread>]>([
    ['chat', { thread: 't-1', message: 'hi' }, { kind: 'chat', field: 'thread', value: 't-1' }, { kind: 'chat', field: 'thread', value: 't-1' }],
    ['chat', { thread: 42 }, { kind: 'chat', field: 'thread', value: 42 }, { kind: 'chat', field: 'thread', value: 42 }],
    ['chat', { message: 'no thread' }, null, null],
    ['chat', { thread: '' }, null, null],
    ['chat', { thread: { id: 1 } }, null, null],
    ['chat', { thread: true }, null, null],
    ['chat', null, null, null],
    ['chat', ['thread'], null, null],
    ['issue', { action: 'commented', number: 12 }, { kind: 'issue', field: 'number', value: 12 }, { kind: 'issue', field: 'number', value: 12 }],
    ['issue', { action: 'opened', number: 12 }, { kind: 'issue', field: 'number', value: 12 }, null],
    ['issue', { action: 'commented' }, null, null],
    ['push', { thread: 't-1' }, null, null],
    ['dispatch', { thread: 't-1' }, null, null],
  ])('%s %j', (kind, payload, thread, reply) => {
    expect(threadOf(kind, payload)).toEqual(thread);
    expect(replyThread(kind, payload)).toEqual(reply);
  });
});

describe('workflowsResumedInstead', () => {
  const agent = { name: 'Agent', path: '.plue/workflows/agent.py' };
  const log = { name: 'Log chats', path: '.plue/workflows/log.py' };
  it('skips the workflows whose runs took the reply and starts the others', () => {
    const resumed = [{ id: 9, run_number: 4, workflow_name: 'Agent', workflow_path: '.plue/workflows/agent.py' }];
    expect(workflowsResumedInstead([agent, log], resumed)).toEqual({
      start: [log],
      skipped: [{ ...agent, reason: 'a reply to run #4 (id 9), which it resumes instead' }],
    });
  });
  it('starts everything when no run took it', () => {
    expect(workflowsResumedInstead([agent, log], [])).toEqual({ start: [agent, log], skipped: [] });
  });
  it('tells a workflow of the same name in another file apart', () => {
    const resumed = [{ id: 9, run_number: 4, workflow_name: 'Agent', workflow_path: '.plue/workflows/other.py' }];
    expect(workflowsResumedInstead([agent], resumed).start).toEqual([agent]);
  });
});

it('waitReason says what and until when, in UTC minutes', () => {
  expect(waitReason({ name: 'approval', since: '2026-11-30T10:42:13Z', until: new Date('2026-11-30T11:42:13Z') }))
    .toBe('waiting for `approval` since 2026-11-30 10:42 UTC, until 2026-11-30 11:42 UTC');
});
