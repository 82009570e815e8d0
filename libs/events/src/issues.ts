import type { z } from 'zod';

/** `data.lat: Too big: expected number to be <=90; actor.kind: Invalid option …` — paths first, for DLQ readers. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string {
  return issues
    .map((issue) => {
      const path = [...prefix, ...issue.path].map(String).join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
