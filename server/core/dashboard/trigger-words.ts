import type { Trigger } from '../language/model.js';

// A workflow's triggers in words, for people reading the dashboard: `push to main, release/**; paths src/**`.

const list = (items: readonly string[]) => items.join(', ');

function filters(parts: Array<[string, readonly string[] | undefined]>): string {
  return parts.filter(([, items]) => items !== undefined && items.length > 0).map(([label, items]) => `${label} ${list(items!)}`).join('; ');
}

function joined(head: string, rest: string): string {
  return rest === '' ? head : `${head}; ${rest}`;
}

export function triggerInWords(t: Trigger): string {
  switch (t.event) {
    case 'push': {
      const where = filters([['branches', t.branches], ['not branches', t.branches_ignore], ['tags', t.tags], ['not tags', t.tags_ignore]]);
      return joined(where === '' ? 'push to any branch or tag' : `push: ${where}`, filters([['paths', t.paths], ['not paths', t.paths_ignore]]));
    }
    case 'pull_request':
      return joined(`pull request ${list(t.types)}`, filters([
        ['into', t.branches], ['not into', t.branches_ignore], ['paths', t.paths], ['not paths', t.paths_ignore],
      ]));
    case 'issue':
      return `issue ${list(t.types)}`;
    case 'chat':
      return 'a chat message';
    case 'dispatch':
      return 'a dispatch (API or another workflow)';
    case 'manual': {
      const inputs = Object.keys(t.inputs);
      return inputs.length === 0 ? 'by hand' : `by hand, with inputs ${list(inputs)}`;
    }
    case 'schedule':
      return `on schedule ${t.cron} (${t.timezone})`;
    case 'workflow_run':
      return joined(`when ${list(t.workflows)} is ${list(t.types)}`, filters([
        ['conclusions', t.conclusions], ['branches', t.branches], ['not branches', t.branches_ignore],
      ]));
  }
}
