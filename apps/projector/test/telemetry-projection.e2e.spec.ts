import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { haversineM } from '#libs/domain';
import { deadLetterSchema, type FieldlineEvent, keyFor, serializeEvent, topics } from '#libs/events';
import { liveKeys, type LivePosition } from '#libs/live';
import type { AppProcess } from '../../../test/support/app-process';
import { eventually, feedOf, fixEvent, type Harness, harness, produce, startProjector, uniqueTenant } from '../../../test/support/projector';

// The telemetry projection against the real stack: rows in the hypertable, live positions and the
// feed in Redis, effectively once through duplicates, late fixes, a SIGKILL mid-stream and two instances.

let h: Harness;
const running: AppProcess[] = [];
const start = async (prefix: string, env: Record<string, string> = {}) => {
  const app = await startProjector(prefix, { PROJECTOR_PROJECTIONS: 'history,positions', ...env });
  running.push(app);
  return app;
};

beforeAll(async () => {
  h = await harness();
}, 60_000);

afterAll(async () => {
  await Promise.all(running.map((app) => app.stop()));
  await h?.close();
});

const rowsOf = async (tenantId: string) =>
  (
    await h.db.query<{ subject_id: string; message_id: string; time: Date; lat: number; lon: number; segment_m: number | null }>(
      'SELECT subject_id, message_id, time, lat, lon, segment_m FROM locations WHERE tenant_id = $1 ORDER BY subject_id, time',
      [tenantId],
    )
  ).rows;

/** A drive north-east in 100 m steps, 10 s apart. */
function drive(tenantId: string, subject: string, count: number, startAt: number, firstN = 0): FieldlineEvent[] {
  return Array.from({ length: count }, (_, i) =>
    fixEvent(tenantId, subject, `dev-${subject}`, firstN + i, new Date(startAt + i * 10_000), 52.5 + (i * 100) / 111_195, 13.4, 10),
  );
}

it('projects out-of-order and duplicated telemetry exactly once; a late fix never moves the live position back', async () => {
  const tenantId = uniqueTenant('proj');
  const t0 = Date.now() - 3_600_000;
  const inOrder = drive(tenantId, 'tech-a', 20, t0);
  const late = fixEvent(tenantId, 'tech-a', 'dev-tech-a', 99, new Date(t0 + 45_000), 52.6, 13.5); // between fixes 4 and 5
  const retried = inOrder.slice(5, 8).map((e) => ({ ...e, id: uuidv7() })); // same message ids, resent by the device
  await produce(h.producer, [...inOrder.slice(0, 10), late, ...retried, ...inOrder.slice(10)]);
  await start(`e2e-tel-${randomUUID().slice(0, 8)}`);

  const rows = await eventually('21 rows', async () => ((await rowsOf(tenantId)).length >= 21 ? rowsOf(tenantId) : undefined));
  expect(rows).toHaveLength(21); // 20 + the late one; the retries are the same rows
  expect(rows.map((r) => r.message_id).sort()).toEqual([...inOrder.map((e) => (e.data as { messageId: string }).messageId), 'm-99'].sort());

  // segment_m: the distance driven in time order; the late fix is not a segment, nor does it break one
  const lateRow = rows.find((r) => r.message_id === 'm-99')!;
  expect(lateRow.segment_m).toBeNull();
  const driven = rows.filter((r) => r.segment_m !== null).reduce((sum, r) => sum + r.segment_m!, 0);
  expect(driven).toBeCloseTo(19 * 100, -1);

  // the live state follows (its own consumer group, off the database's path)
  const live = await eventually('the live position', async () => {
    const raw = await h.redis.hget(liveKeys(tenantId).positions, 'tech-a');
    return raw && (JSON.parse(raw) as LivePosition).at === t0 + 19 * 10_000 ? (JSON.parse(raw) as LivePosition) : undefined;
  });
  expect(live.lat).toBeCloseTo(52.5 + 1900 / 111_195, 6);
  // the feed: fixes that moved the subject forward (the newest of each batch), never the late fix or a retry
  const feed = (await feedOf(h.redis, tenantId)).filter((e) => e.kind === 'location');
  const times = feed.map((e) => (e.data as LivePosition).at);
  expect(times.length).toBeGreaterThan(0);
  expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
  expect(times.every((t) => inOrder.some((e) => Date.parse(e.occurredAt) === t))).toBe(true);
  expect(times.at(-1)).toBe(t0 + 19 * 10_000);

  const geo = (await h.redis.geopos(liveKeys(tenantId).geo, 'tech-a'))[0]!;
  expect(Number(geo[1])).toBeCloseTo(52.5 + 1900 / 111_195, 4);

  // the continuous aggregate sums the same distance. Real-time aggregation shows raw rows only above the
  // watermark: on a real TimescaleDB the refresh policy may already have moved it past these fixes (an hour
  // old, as a phone back from a dead zone sends them), and they count from its next run (every minute).
  // The test runs that refresh itself rather than wait for the scheduler.
  await h.db.query("CALL refresh_continuous_aggregate('locations_1m', $1::timestamptz, $2::timestamptz)", [new Date(t0 - 60_000), new Date()]);
  const { rows: perMinute } = await h.db.query<{ points: string; distance_m: number }>(
    "SELECT sum(points)::text AS points, sum(distance_m) AS distance_m FROM locations_1m WHERE tenant_id = $1 AND subject_id = 'tech-a'",
    [tenantId],
  );
  expect(Number(perMinute[0]!.points)).toBe(21);
  expect(perMinute[0]!.distance_m).toBeCloseTo(driven, 0);
}, 120_000);

it('sends an unreadable record to the dead-letter topic with its coordinates and goes on', async () => {
  const tenantId = uniqueTenant('dlq');
  const marker = `not json ${randomUUID()}`;
  await h.producer.send({ topic: topics.telemetry.name, acks: -1, messages: [{ key: 'dev-x', value: marker, headers: { 'tenant-id': tenantId } }] });
  await produce(h.producer, drive(tenantId, 'tech-after', 1, Date.now() - 60_000));
  await start(`e2e-dlq-${randomUUID().slice(0, 8)}`);
  await eventually('the fix after the bad record', async () => ((await rowsOf(tenantId)).length === 1 ? true : undefined));

  const consumer = h.kafka.consumer({ groupId: `e2e-dlq-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.dlq.name, fromBeginning: true });
  const found = await new Promise<unknown>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const record = deadLetterSchema.parse(JSON.parse(message.value!.toString()));
        // every projection reading the topic reports it (each is its own consumer group): find this one's
        if (record.source === 'projector.history' && Buffer.from(record.rawBase64, 'base64').toString() === marker) resolve(record);
      },
    });
  });
  await consumer.disconnect();
  expect(found).toMatchObject({ source: 'projector.history', code: 'malformed_json', tenantId, sourceId: expect.stringMatching(/^fieldline\.telemetry\.v1\/\d+\/\d+$/) });
}, 120_000);

it('two instances split the partitions; one killed with SIGKILL mid-stream leaves no gap and no duplicate', async () => {
  const tenantId = uniqueTenant('kill');
  const prefix = `e2e-kill-${randomUUID().slice(0, 8)}`;
  const subjects = Array.from({ length: 12 }, (_, i) => `tech-${i}`);
  const t0 = Date.now() - 7_200_000;
  const perSubject = subjects.map((s) => drive(tenantId, s, 500, t0));
  // interleaved as devices would send: every subject's next fix, round after round
  const input = perSubject[0]!.flatMap((_, i) => perSubject.map((fixes) => fixes[i]!));

  const a = await start(prefix);
  const b = await start(prefix);
  const admin = h.kafka.admin();
  await admin.connect();
  await eventually('both instances in the group with partitions', async () => {
    const { groups } = await admin.describeGroups([`${prefix}-history`, `${prefix}-positions`]);
    return groups.every((group) => group.state === 'Stable' && group.members.length === 2) ? true : undefined;
  });

  // The stream flows while A dies: A has batches in flight and uncommitted offsets when it is killed.
  for (let chunk = 0; chunk < 12; chunk++) {
    await produce(h.producer, input.slice(chunk * 500, (chunk + 1) * 500));
    if (chunk === 4) {
      a.child.kill('SIGKILL');
      await a.exit;
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const rows = await eventually(
    `${input.length} rows`,
    async () => ((await rowsOf(tenantId)).length >= input.length ? rowsOf(tenantId) : undefined),
    120_000,
  );
  expect(rows).toHaveLength(input.length);
  expect(new Set(rows.map((r) => `${r.subject_id}|${r.message_id}`)).size).toBe(input.length);
  // exact, row for row: position and the distance from the previous fix, whoever wrote it
  subjects.forEach((s, k) => {
    const mine = rows.filter((r) => r.subject_id === s);
    expect(mine.map((r) => r.lat)).toEqual(perSubject[k]!.map((e) => (e.data as { lat: number }).lat));
    mine.slice(1).forEach((r, i) => expect(r.segment_m).toBeCloseTo(haversineM(mine[i]!, r), 0));
  });
  // the feed moves each subject forward only, whatever was replayed: no entry twice, none going back
  const lastAt = t0 + 499 * 10_000;
  await eventually('every subject at its last fix in the feed', async () => {
    const entries = await feedOf(h.redis, tenantId);
    return subjects.every((s) => entries.some((e) => e.subjectId === s && (e.data as LivePosition).at === lastAt)) ? true : undefined;
  });
  const entries = await feedOf(h.redis, tenantId);
  for (const s of subjects) {
    const times = entries.filter((e) => e.subjectId === s).map((e) => (e.data as LivePosition).at);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
  }

  // the group settles with B alone, holding every partition
  await eventually('the group stable with one member', async () => {
    const { groups } = await admin.describeGroups([`${prefix}-history`, `${prefix}-positions`]);
    return groups.every((group) => group.state === 'Stable' && group.members.length === 1) ? true : undefined;
  });
  await admin.disconnect();
  expect(b.child.exitCode).toBeNull();
}, 240_000);

it('commits what it projected (once a second, not per batch): the groups stand past the last record, and stay there after a stop', async () => {
  const tenantId = uniqueTenant('commit');
  const fixes = drive(tenantId, 'tech-c', 20, Date.now() - 600_000);
  // One device, one key: every fix on one partition, at offsets the broker tells us.
  const [sent] = await h.producer.send({ topic: topics.telemetry.name, acks: -1, messages: fixes.map((e) => ({ key: keyFor(e), value: serializeEvent(e) })) });
  const lastOffset = Number(sent!.baseOffset) + fixes.length - 1;
  const prefix = `e2e-commit-${randomUUID().slice(0, 8)}`;
  const app = await start(prefix);
  const admin = h.kafka.admin();
  await admin.connect();
  const committedPastLast = async () => {
    const past = await Promise.all(
      ['history', 'positions'].map(async (group) => {
        const [committed] = await admin.fetchOffsets({ groupId: `${prefix}-${group}`, topics: [topics.telemetry.name] });
        return Number(committed!.partitions.find((p) => p.partition === sent!.partition)!.offset) > lastOffset;
      }),
    );
    return past.every(Boolean);
  };
  await eventually('both groups committed past the drive', async () => ((await committedPastLast()) ? true : undefined), 90_000);
  expect(await rowsOf(tenantId)).toHaveLength(fixes.length);
  await app.stop();
  expect(await committedPastLast()).toBe(true);
  await admin.disconnect();
}, 120_000);
