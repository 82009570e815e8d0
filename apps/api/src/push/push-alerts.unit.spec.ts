import { type EventData, type EventType, newEnvelope } from '#libs/events';
import { type AlertNames, namesNeeded, notificationsOf } from './push-alerts';

const names: AlertNames = {
  job: (id) => (id === 'job_1' ? { title: 'Boiler service', technicianId: 'tech_ada' } : undefined),
  technician: (id) => (id === 'tech_ada' ? 'Ada' : undefined),
  geofence: (id) => (id === 'geo_depot' ? 'Depot' : undefined),
};

const event = <T extends EventType>(type: T, data: EventData<T>, streamId = 'job_1') =>
  newEnvelope({ type, data, tenantId: 'ten_acme', streamId, actor: { kind: 'user', id: 'usr_disp' } });

it('tells a technician of a call ringing for them, briefly and urgently, one notification each', () => {
  const sent = notificationsOf(event('call.invited', { callId: 'call_1', technicianIds: ['tech_ada', 'tech_bo'], invitedBy: 'usr_disp', jobId: 'job_1' }, 'call_1'), names);
  expect(sent.map((n) => n.audience)).toEqual([{ technicianId: 'tech_ada' }, { technicianId: 'tech_bo' }]);
  expect(sent[0]).toMatchObject({ tenantId: 'ten_acme', actorId: 'usr_disp', urgency: 'high', ttlS: 60, message: { alert: 'call.incoming', title: 'Incoming call', body: 'About Boiler service', tag: 'call:call_1' } });
});

it("tells the assigned technician of their job's changes, and nobody when the job has no technician", () => {
  expect(notificationsOf(event('job.cancelled', { reason: 'customer away' }), names)).toEqual([
    expect.objectContaining({ audience: { technicianId: 'tech_ada' }, urgency: 'normal', message: expect.objectContaining({ alert: 'job.changed', body: 'Boiler service: cancelled: customer away', tag: 'job:job_1' }) }),
  ]);
  expect(notificationsOf(event('job.cancelled', { reason: 'x' }, 'job_unassigned'), names)).toEqual([]);
  // steps are the technician's own doing: nothing to tell them
  expect(notificationsOf(event('job.travel_started', { technicianId: 'tech_ada' }), names)).toEqual([]);
});

it('tells the old and the new technician of a reassignment', () => {
  const sent = notificationsOf(event('job.reassigned', { fromTechnicianId: 'tech_bo', technicianId: 'tech_ada' }), names);
  expect(sent.map((n) => [n.audience, n.message.alert])).toEqual([
    [{ technicianId: 'tech_ada' }, 'job.assigned'],
    [{ technicianId: 'tech_bo' }, 'job.changed'],
  ]);
});

it("gives dispatchers the derived alerts by name, and says what it needs looked up", () => {
  const fence = event('tracking.geofence_exited', { subjectId: 'tech_ada', geofenceId: 'geo_depot', position: { lat: 52.5, lon: 13.4 } }, 'tech_ada');
  const lost = event('tracking.signal_lost', { subjectId: 'tech_ada', lastFixAt: new Date().toISOString() }, 'tech_ada');
  expect(notificationsOf(fence, names)[0]).toMatchObject({ audience: { dispatchers: true }, message: { alert: 'tracking.geofence_exited', body: 'Ada left Depot' } });
  expect(notificationsOf(lost, names)[0]).toMatchObject({ audience: { dispatchers: true }, message: { alert: 'tracking.signal_lost', title: 'Signal lost', body: 'Ada stopped reporting' } });
  // eta updates are too many to push
  expect(notificationsOf(event('tracking.eta_updated', { subjectId: 'tech_ada', jobId: 'job_1', etaS: 60, distanceM: 900, arriveBy: new Date().toISOString() }, 'tech_ada'), names)).toEqual([]);
  expect(namesNeeded([fence, event('job.assigned', { technicianId: 'tech_bo' })])).toEqual({ jobIds: ['job_1'], technicianIds: ['tech_ada', 'tech_bo'], geofenceIds: ['geo_depot'] });
});
