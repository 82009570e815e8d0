import type { FeedFrame } from '#libs/realtime-client';
import { type JobView, LiveState, receiptOf, TRAIL_MS } from '../src/live-state';

const job = (version: number, status: string, technicianId?: string): JobView => ({
  jobId: 'job-1', version, status, title: 'Boiler', priority: 'normal', requiredSkills: [], createdAt: '2031-01-01T00:00:00Z', updatedAt: `2031-01-01T00:00:0${version}Z`, ...(technicianId ? { technicianId } : {}),
});
let n = 0;
// Entries carry only the payload fields LiveState reads.
const entry = (kind: FeedFrame['kind'], type: string, data: object, subjectId = 's') => ({ id: `1-${++n}`, kind, type, subjectId, data }) as FeedFrame;
const fix = (at: number, lat = 52.5) => entry('location', 'telemetry.location_reported', { subjectId: 'tech-1', deviceId: 'd', lat, lon: 13.4, at, source: 'mqtt' }, 'tech-1');
const posted = (messageId: string, authorId: string, at: string) =>
  entry('chat', 'chat.message_posted', { jobId: 'job-1', messageId, authorId, authorRole: authorId === 'disp' ? 'dispatcher' : 'technician', text: messageId, occurredAt: at });
const receipt = (type: 'chat.message_delivered' | 'chat.message_read', messageId: string, userId: string) => entry('chat', type, { jobId: 'job-1', messageId, userId });

it('applies a job change once and never goes back to an older version (snapshot and feed overlap)', () => {
  const state = new LiveState();
  state.loadJobs([job(2, 'assigned', 'tech-1')]);
  expect(state.apply(entry('job', 'job.created', { job: job(1, 'unassigned') }))).toBe(false);
  expect(state.apply(entry('job', 'job.travel_started', { job: job(3, 'en_route', 'tech-1') }))).toBe(true);
  expect(state.apply(entry('job', 'job.travel_started', { job: job(3, 'en_route', 'tech-1') }))).toBe(false);
  expect(state.jobs.get('job-1')!.status).toBe('en_route');
  expect(state.column('en_route').map((j) => j.jobId)).toEqual(['job-1']);
  expect(state.changes.map((c) => c.type)).toEqual(['job.travel_started']);
});

it('keeps the newest fix and a trail of the last minutes; a late fix moves nothing', () => {
  const state = new LiveState();
  const t0 = 1_000_000;
  expect(state.apply(fix(t0, 52.1))).toBe(true);
  expect(state.apply(fix(t0 + 60_000, 52.2))).toBe(true);
  expect(state.apply(fix(t0 + 30_000, 52.9))).toBe(false);
  expect(state.positions.get('tech-1')!.lat).toBe(52.2);
  expect(state.apply(fix(t0 + TRAIL_MS + 30_000, 52.3))).toBe(true);
  expect(state.trails.get('tech-1')!.map((p) => p.lat)).toEqual([52.2, 52.3]); // the first fell out of the window
});

it('orders a thread, ignores repeats, and moves receipts only forward', () => {
  const state = new LiveState();
  state.apply(posted('m2', 'tech', '2031-01-01T00:00:02Z'));
  state.apply(posted('m1', 'disp', '2031-01-01T00:00:01Z'));
  expect(state.apply(posted('m1', 'disp', '2031-01-01T00:00:01Z'))).toBe(false);
  const thread = state.thread('job-1');
  expect(thread.messages.map((m) => m.messageId)).toEqual(['m1', 'm2']);

  const m1 = thread.messages[0]!;
  expect(receiptOf(thread, m1)).toBe('sent');
  state.apply(receipt('chat.message_delivered', 'm1', 'tech'));
  expect(receiptOf(thread, m1)).toBe('delivered');
  state.apply(receipt('chat.message_read', 'm2', 'tech'));
  expect(receiptOf(thread, m1)).toBe('read'); // read up to m2 covers m1
  expect(state.apply(receipt('chat.message_read', 'm1', 'tech'))).toBe(false); // a late, older receipt
  expect(thread.read.get('tech')).toBe('m2');
  // the author's own receipt says nothing about their message (tech read up to their own m2)
  expect(receiptOf(thread, thread.messages[1]!)).toBe('sent');
  state.apply(receipt('chat.message_read', 'm2', 'disp'));
  expect(receiptOf(thread, thread.messages[1]!)).toBe('read');
});

it('keeps each alert once, newest first', () => {
  const state = new LiveState();
  const alert = (id: string) => entry('alert', 'tracking.signal_lost', { id, occurredAt: '2031-01-01T00:00:00Z', subjectId: 'tech-1' }, 'tech-1');
  state.apply(alert('a1'));
  state.apply(alert('a2'));
  expect(state.apply(alert('a1'))).toBe(false);
  expect(state.alerts.map((a) => a.id)).toEqual(['a2', 'a1']);
});

describe('calls from the feed', () => {
  const call = (type: string, data: Record<string, unknown>, id = `e-${++n}`) => entry('call', type, { id, occurredAt: '2031-01-01T10:00:00.000Z', callId: 'call-1', ...data }, 'call-1');

  it('rings an invited technician until they answer, the call ends, or it is missed; each entry counts once', () => {
    const state = new LiveState();
    const invited = call('call.invited', { technicianIds: ['tech-1', 'tech-2'], invitedBy: 'disp', jobId: 'job-1' }, 'e-invited');
    expect(state.apply(invited)).toBe(true);
    expect(state.apply({ ...invited, id: '1-999' })).toBe(false); // the same event again (once per technician)
    expect(state.ringing('tech-1').map((c) => c.callId)).toEqual(['call-1']);
    expect(state.calls.get('call-1')!.jobId).toBe('job-1');

    state.apply(call('call.joined', { userId: 'disp' })); // the dispatcher is in: live, still ringing for both
    expect(state.calls.get('call-1')!.status).toBe('live');
    expect(state.ringing('tech-1')).toHaveLength(1);
    state.apply(call('call.joined', { userId: 'u-1', technicianId: 'tech-1' }));
    state.apply(call('call.declined', { technicianId: 'tech-2', userId: 'u-2' }));
    expect(state.ringing('tech-1')).toEqual([]);
    expect(state.ringing('tech-2')).toEqual([]);
    expect(state.calls.get('call-1')!.answers).toEqual({ 'tech-1': 'joined', 'tech-2': 'declined' });
  });

  it('ends with the reason and the duration (the job’s history shows them)', () => {
    const state = new LiveState();
    state.apply(call('call.created', { createdBy: 'disp', mode: 'video', ptt: false, record: false, maxParticipants: 8 }));
    state.apply(call('call.invited', { technicianIds: ['tech-1'], invitedBy: 'disp' }));
    state.apply(call('call.ended', { reason: 'no answer', durationMs: 30_000 }));
    expect(state.calls.get('call-1')).toMatchObject({ status: 'ended', mode: 'video', reason: 'no answer', durationMs: 30_000 });
    expect(state.ringing('tech-1')).toEqual([]);
  });
});
