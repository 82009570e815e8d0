/** RFC 9457 problem details: the one error shape of the API. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Machine-readable reason (a domain error code such as DOUBLE_BOOKED). */
  code?: string;
  /** Per-field problems for validation errors. */
  errors?: { field: string; messages: string[] }[];
  instance?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are documented URIs under one base (see README, "Errors"). */
export const problemType = (slug: string) => `https://fieldline.dev/problems/${slug}`;

/** An error that already knows its problem (thrown by guards, pipes and services of the API). */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'ProblemError';
  }
}

export const problem = (status: number, slug: string, title: string, detail?: string, extra: Partial<Problem> = {}, headers: Record<string, string> = {}) =>
  new ProblemError({ type: problemType(slug), title, status, detail, ...extra }, headers);
