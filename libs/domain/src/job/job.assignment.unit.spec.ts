import { DomainError } from '../shared/domain-error';
import { WINDOW } from '../testing/job.fixtures';
import type { Technician } from '../technician/technician.state';
import { checkAssignment } from './job.assignment';
import type { JobTerms } from './job.state';

const job = { id: 'job-1', terms: { priority: 'normal', requiredSkills: ['hvac', 'gas'], window: WINDOW } satisfies JobTerms };
const qualified: Technician = { status: 'on_shift', skills: ['gas', 'hvac', 'electrical'], available: true };

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, kind: error.kind, message: error.message };
    throw error;
  }
  return undefined;
};

it('accepts a qualified technician with no overlapping booking (adjacent windows do not overlap)', () => {
  const adjacent = { jobId: 'job-2', window: { start: WINDOW.end, end: '2031-05-04T12:00:00.000Z' } };
  expect(refusal(() => checkAssignment(job, 'tech-1', qualified, [adjacent]))).toBeUndefined();
});

it('refuses missing skills, naming them (422 kind)', () => {
  const technician: Technician = { status: 'off_shift', skills: ['hvac'] };
  expect(refusal(() => checkAssignment(job, 'tech-1', technician, []))).toEqual({
    code: 'MISSING_SKILLS',
    kind: 'unprocessable',
    message: 'technician tech-1 lacks required skills: gas',
  });
});

it('refuses a double booking, naming the other job (409 kind)', () => {
  const overlapping = { jobId: 'job-9', window: { start: '2031-05-04T09:30:00.000Z', end: '2031-05-04T11:00:00.000Z' } };
  expect(refusal(() => checkAssignment(job, 'tech-1', qualified, [overlapping]))).toMatchObject({
    code: 'DOUBLE_BOOKED',
    kind: 'conflict',
    message: expect.stringContaining('job job-9'),
  });
});

it('ignores the job itself among the bookings (reassigning back and forth)', () => {
  expect(refusal(() => checkAssignment(job, 'tech-1', qualified, [{ jobId: 'job-1', window: WINDOW }]))).toBeUndefined();
});

it('does not check overlaps for a job without a window', () => {
  const unscheduled = { id: 'job-1', terms: { ...job.terms, window: undefined } };
  expect(refusal(() => checkAssignment(unscheduled, 'tech-1', qualified, [{ jobId: 'job-2', window: WINDOW }]))).toBeUndefined();
});

it.each([
  ['unknown', { status: 'initial' } as Technician],
  ['deactivated', { status: 'deactivated', skills: ['hvac', 'gas'] } as Technician],
])('refuses an %s technician', (_name, technician) => {
  expect(refusal(() => checkAssignment(job, 'tech-1', technician, []))?.code).toBe('TECHNICIAN_UNAVAILABLE');
});
