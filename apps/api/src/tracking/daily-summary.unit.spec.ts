import { type HistoryEvent, shiftSeconds, siteVisits } from './daily-summary';

const day = { from: new Date('2031-05-04T00:00:00Z'), to: new Date('2031-05-05T00:00:00Z') };
const at = (hhmm: string, date = '2031-05-04') => new Date(`${date}T${hhmm}:00Z`);
const ev = (streamId: string, type: string, when: Date, data: Record<string, unknown> = {}): HistoryEvent => ({ streamId, type, occurredAt: when, data });
const later = at('23:00', '2031-05-06');

describe('shift time', () => {
  it('sums shifts, clips one that began the evening before, and runs an open shift until now', () => {
    const events = [
      ev('t', 'technician.shift_started', at('22:00', '2031-05-03')),
      ev('t', 'technician.shift_ended', at('02:00')),
      ev('t', 'technician.shift_started', at('08:00')),
      ev('t', 'technician.shift_ended', at('12:30')),
      ev('t', 'technician.shift_started', at('13:00')),
    ];
    expect(shiftSeconds(events, day, at('17:00'))).toBe((2 + 4.5 + 4) * 3600);
    expect(shiftSeconds(events, day, later)).toBe((2 + 4.5 + 11) * 3600);
  });
});

describe('time on site', () => {
  it('from arrival to completion, pausing while on hold, only for this technician', () => {
    const events = [
      ev('job-1', 'job.arrived', at('09:00'), { technicianId: 'tech-1' }),
      ev('job-1', 'job.put_on_hold', at('09:30'), { reason: 'parts' }),
      ev('job-1', 'job.resumed', at('10:00'), { status: 'on_site' }),
      ev('job-1', 'job.completed', at('11:00'), { technicianId: 'tech-1' }),
      ev('job-2', 'job.arrived', at('12:00'), { technicianId: 'tech-2' }),
      ev('job-2', 'job.completed', at('13:00'), { technicianId: 'tech-2' }),
      ev('job-3', 'job.arrived', at('15:00'), { technicianId: 'tech-1' }),
    ];
    expect(siteVisits(events, 'tech-1', day, at('16:00'))).toEqual([
      { jobId: 'job-1', arrivedAt: at('09:00').toISOString(), leftAt: at('09:30').toISOString(), seconds: 1800 },
      { jobId: 'job-1', arrivedAt: at('10:00').toISOString(), leftAt: at('11:00').toISOString(), seconds: 3600 },
      { jobId: 'job-3', arrivedAt: at('15:00').toISOString(), leftAt: null, seconds: 3600 },
    ]);
  });

  it('a resume to en route is not a return to site; visits outside the day do not count', () => {
    const events = [
      ev('job-1', 'job.arrived', at('09:00', '2031-05-03'), { technicianId: 'tech-1' }),
      ev('job-1', 'job.completed', at('10:00', '2031-05-03'), { technicianId: 'tech-1' }),
      ev('job-2', 'job.arrived', at('09:00'), { technicianId: 'tech-1' }),
      ev('job-2', 'job.put_on_hold', at('09:10'), { reason: 'x' }),
      ev('job-2', 'job.resumed', at('09:20'), { status: 'en_route' }),
      ev('job-2', 'job.arrived', at('09:40'), { technicianId: 'tech-1' }),
      ev('job-2', 'job.cancelled', at('09:50'), { reason: 'y' }),
    ];
    expect(siteVisits(events, 'tech-1', day, later).map((v) => v.seconds)).toEqual([600, 600]);
  });
});
