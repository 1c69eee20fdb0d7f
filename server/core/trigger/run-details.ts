import type { Workflow } from '../language/model.js';

/** Fills `{ref}`, `{workflow}` and `{event}` in a concurrency group. */
export function concurrencyGroup(template: string | null, values: { ref: string; workflow: string; event: string }): string | null {
  if (template === null) return null;
  return template.replace(/\{(ref|workflow|event)\}/g, (_, key: 'ref' | 'workflow' | 'event') => values[key]);
}

/** Short ref name for display: `refs/heads/main` → `main`, `refs/tags/v1` → `v1`. */
export function shortRef(ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/']) {
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  }
  return ref;
}

export function runTitle(workflow: Workflow, event: string, ref: string, sha: string, subject?: string): string {
  const what = subject && subject.trim() !== '' ? subject.trim().slice(0, 200) : `${event} to ${shortRef(ref)}`;
  return `${workflow.name}: ${what} (${sha.slice(0, 7)})`;
}
