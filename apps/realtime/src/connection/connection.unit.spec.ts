import type { WebSocket } from 'ws';
import type { FeedEntry } from '#libs/live';
import { CloseCodes } from '#libs/realtime-client';
import { Connection, HubEntry } from './connection';

/** The two things Connection reads of a socket, settable: what it sent and how much is unsent. */
class SocketProbe {
  bufferedAmount = 0;
  sent: { event: string; data: any }[] = [];
  closed?: { code: number; reason: string };
  send(data: string | Buffer) {
    this.sent.push(JSON.parse(data.toString()));
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
  }
}

// Entries carry only the payload fields a connection reads (and one to tell them apart).
const location = (n: number, subject: string) => new HubEntry({ id: `${n}-0`, kind: 'location', type: 'telemetry.location_reported', subjectId: subject, data: { lat: 52, lon: 13, at: n } } as FeedEntry);
const job = (n: number, technicianId = 'tech-1') => new HubEntry({ id: `${n}-0`, kind: 'job', type: 'job.note_added', subjectId: 'job-1', technicianId, data: { n } } as unknown as FeedEntry);

function connection(role = 'dispatcher', limits = { highWaterBytes: 1000, maxQueued: 5 }) {
  const probe = new SocketProbe();
  const c = new Connection(probe as unknown as WebSocket, { tenantId: 't', userId: 'u', role, ...(role === 'technician' ? { technicianId: 'tech-1' } : {}) }, limits, 0);
  c.streams = new Set(['jobs', 'locations']);
  c.beginCatchUp('0-0');
  c.endCatchUp();
  return { c, probe };
}

describe('connection delivery', () => {
  it('delivers in id order, each entry once, and buffers live entries while a resume catches up', () => {
    const { c, probe } = connection();
    c.offer(job(1));
    c.offer(job(1)); // again (two readers overlapping): dropped
    c.beginCatchUp('1-0');
    c.offer(job(4)); // live, during the catch-up
    c.offer(job(2), true);
    c.offer(job(3), true);
    c.endCatchUp();
    c.offer(job(4));
    expect(probe.sent.map((f) => f.data.id)).toEqual(['1-0', '2-0', '3-0', '4-0']);
  });

  it('gives a technician only what concerns them', () => {
    const { c, probe } = connection('technician');
    c.offer(job(1, 'tech-2'));
    c.offer(job(2, 'tech-1'));
    c.offer(location(3, 'tech-2'));
    c.offer(location(4, 'tech-1'));
    expect(probe.sent.map((f) => f.data.id)).toEqual(['2-0', '4-0']);
  });
});

describe('connection backpressure', () => {
  it('past the high-water mark, coalesces locations per subject (latest wins) and queues the rest in order', () => {
    const { c, probe } = connection();
    probe.bufferedAmount = 5_000; // the client stopped reading
    c.offer(location(1, 'van-1'));
    c.offer(job(2));
    c.offer(location(3, 'van-1'));
    c.offer(location(4, 'van-2'));
    c.offer(job(5));
    expect(probe.sent).toEqual([]);
    probe.bufferedAmount = 0; // it reads again
    c.flush();
    expect(probe.sent.map((f) => f.data.id)).toEqual(['2-0', '5-0', '3-0', '4-0']);
    expect(c.congested).toBe(false);
  });

  it('past the queue bound, closes with the id to resume after: nothing before it is lost, nothing after it was sent', () => {
    const { c, probe } = connection('dispatcher', { highWaterBytes: 1000, maxQueued: 3 });
    c.offer(job(1));
    probe.bufferedAmount = 5_000;
    for (let n = 2; n <= 6; n++) c.offer(job(n));
    expect(probe.closed).toEqual({ code: CloseCodes.slowConsumer, reason: 'slow consumer; resume after 1-0' });
    expect(probe.sent.map((f) => f.data.id)).toEqual(['1-0']);
  });
});

describe('connection catch-up', () => {
  it('bounds the live entries waiting for a resume: past the bound it closes with the id the catch-up reached', () => {
    const { c, probe } = connection('dispatcher', { highWaterBytes: 1000, maxQueued: 3 });
    c.beginCatchUp('1-0');
    c.offer(job(2), true);
    for (let n = 10; n <= 13; n++) c.offer(job(n)); // live, four of them while the catch-up reads
    expect(probe.closed).toEqual({ code: CloseCodes.slowConsumer, reason: 'slow consumer; resume after 2-0' });
    expect(probe.sent.map((f) => f.data.id)).toEqual(['2-0']);
  });
});
