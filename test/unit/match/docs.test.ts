// Every example table in the `## Matching rules` section of docs/workflows.md is run against the matcher, so the docs cannot drift.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PULL_REQUEST_TYPES, type Trigger } from '../../../server/core/language/model.js';
import type { TriggerEvent } from '../../../server/core/match/event.js';
import { matchesFilters } from '../../../server/core/match/glob.js';
import { matchEvent } from '../../../server/core/match/match.js';
import { file, pullRequest, push, reasonFor, workflow } from './fixtures.js';

function matchingRulesMarkdown(): string {
  const workflows = readFileSync(new URL('../../../docs/workflows.md', import.meta.url), 'utf8');
  const start = workflows.search(/^## Matching rules *$/m);
  if (start < 0) throw new Error('docs/workflows.md has no "## Matching rules" section');
  const section = workflows.slice(start);
  const bodyStart = section.indexOf('\n') + 1;
  const next = section.slice(bodyStart).search(/^## /m);
  return section.slice(bodyStart, next < 0 ? undefined : bodyStart + next).trim() + '\n';
}

const markdown = matchingRulesMarkdown();

interface Table { section: string; header: string; rows: string[][] }

function splitRow(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
}

function tablesOf(text: string): Table[] {
  const tables: Table[] = [];
  let section = '';
  let current: Table | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('### ')) section = line.slice(4).trim();
    if (!line.startsWith('|')) {
      current = null;
      continue;
    }
    if (current === null) {
      current = { section, header: splitRow(line).join(' | '), rows: [] };
      tables.push(current);
    } else if (!/^\|[\s|:-]+\|$/.test(line.trim())) {
      current.rows.push(splitRow(line));
    }
  }
  return tables;
}

const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
const firstCode = (cell: string): string => codeSpans(cell)[0] ?? '';

/** "runs" → null; "skipped: reason" → the reason with Markdown backslash escapes removed. */
function expectedReason(cell: string): string | null {
  if (cell === 'runs') return null;
  if (!cell.startsWith('skipped: ')) throw new Error(`result cell must be "runs" or "skipped: …": ${cell}`);
  return cell.slice('skipped: '.length).replace(/\\([\\`*_{}[\]()#+\-.!|])/g, '$1');
}

/** `push(branches=["main"], paths=["docs/**"])` → a Trigger, with the parser's defaults filled in. */
function parseTrigger(source: string): Trigger {
  const call = /^(\w+)\((.*)\)$/.exec(source);
  if (call === null) throw new Error(`not a trigger call: ${source}`);
  const [, event = '', args = ''] = call;
  const kwargs = JSON.parse(`{${args.replace(/(\w+)=/g, '"$1":')}}`) as Record<string, unknown>;
  const defaults: Record<string, Record<string, unknown>> = {
    pull_request: { types: DEFAULT_PULL_REQUEST_TYPES },
    issue: { types: [] },
    manual: { inputs: {} },
    schedule: { timezone: 'UTC' },
  };
  return { event, ...defaults[event], ...kwargs } as Trigger;
}

const triggersIn = (cell: string): Trigger[] => codeSpans(cell).map(parseTrigger);

function changedFiles(cell: string): { files: string[]; truncated: boolean } {
  return { files: cell === 'none' ? [] : codeSpans(cell), truncated: cell.includes('(truncated)') };
}

type Check = (row: string[]) => void;

const checks: Record<string, Check> = {
  'Character | Meaning': () => undefined,
  'Patterns | Value | Matches': ([patterns = '', value = '', matches = '']) => {
    expect(['yes', 'no']).toContain(matches);
    expect(matchesFilters(codeSpans(patterns), firstCode(value))).toBe(matches === 'yes');
  },
  'Trigger | Ref | Changed files | Result': ([trigger = '', ref = '', changed = '', result = '']) => {
    const { files, truncated } = changedFiles(changed);
    const event = push(firstCode(ref), files, { deleted: ref.includes('(deleted)'), changed_files_truncated: truncated });
    expect(reasonFor(triggersIn(trigger), event)).toBe(expectedReason(result));
  },
  'Trigger | Action | Base branch | Changed files | Result': ([trigger = '', action = '', base = '', changed = '', result = '']) => {
    const { files, truncated } = changedFiles(changed);
    const event = pullRequest(firstCode(action), firstCode(base), files, { changed_files_truncated: truncated });
    expect(reasonFor(triggersIn(trigger), event)).toBe(expectedReason(result));
  },
  'Trigger | Action | Result': ([trigger = '', action = '', result = '']) => {
    const event: TriggerEvent = { kind: 'issue', action: firstCode(action) };
    expect(reasonFor(triggersIn(trigger), event)).toBe(expectedReason(result));
  },
  'Triggers | Event cron | Event time zone | Result': ([triggers = '', cron = '', timezone = '', result = '']) => {
    const event: TriggerEvent = cron === 'none' ? { kind: 'schedule' } : { kind: 'schedule', cron: firstCode(cron) };
    if (timezone !== 'none') event.timezone = firstCode(timezone);
    expect(reasonFor(triggersIn(triggers), event)).toBe(expectedReason(result));
  },
  'Trigger | Workflow | Type | Conclusion | Branch | Result': ([trigger = '', workflow = '', type = '', conclusion = '', branch = '', result = '']) => {
    const event: TriggerEvent = {
      kind: 'workflow_run', workflow: firstCode(workflow), type: firstCode(type) as 'completed' | 'requested',
      conclusion: conclusion === 'none' ? null : firstCode(conclusion), branch: branch.startsWith('none') ? null : firstCode(branch),
    };
    expect(reasonFor(triggersIn(trigger), event)).toBe(expectedReason(result));
  },
  'Requested | Deploy | CI': ([requested = '', deploy = '', ci = '']) => {
    const files = [
      file('.plue/workflows/deploy.py', [workflow('Deploy', [parseTrigger('push(tags=["v*"])'), parseTrigger('manual()')], 'deploy')]),
      file('.plue/workflows/ci.py', [workflow('CI', [parseTrigger('push()')], 'ci')]),
    ];
    const result = matchEvent({ kind: 'manual', workflow: firstCode(requested), ref: 'refs/heads/main', inputs: {} }, files);
    const reasonOf = (name: string): string | null =>
      result.matched.some((m) => m.name === name) ? null : result.skipped.find((s) => s.name === name)?.reason ?? 'missing';
    expect(reasonOf('Deploy')).toBe(expectedReason(deploy));
    expect(reasonOf('CI')).toBe(expectedReason(ci));
  },
};

const tables = tablesOf(markdown);
const rows = tables.flatMap((table) =>
  table.rows.map((row, index) => ({ name: `${table.section} #${index + 1}: ${row.join(' | ')}`, table, row })),
);

describe('docs/workflows.md matching rules examples', () => {
  it('every table has a known header and at least one row', () => {
    for (const table of tables) {
      expect(Object.keys(checks), `table in "${table.section}"`).toContain(table.header);
      expect(table.rows.length).toBeGreaterThan(0);
    }
    expect(new Set(tables.map((t) => t.header))).toEqual(new Set(Object.keys(checks)));
  });

  it('starts with a ### heading (it is spliced into docs/workflows.md under ## Matching rules)', () => {
    expect(markdown.startsWith('### ')).toBe(true);
    expect(markdown).not.toMatch(/^#{1,2} /m);
  });

  it.each(rows)('$name', ({ table, row }) => {
    const check = checks[table.header];
    if (check === undefined) throw new Error(`unknown table header: ${table.header}`);
    check(row);
  });
});
