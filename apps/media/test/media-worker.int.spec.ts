import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { types } from 'mediasoup';
import pino from 'pino';
import { CallRecorder } from '../src/engine/call-recorder';
import { CallRoom } from '../src/engine/call-room';
import { findWorkerBinary } from '../src/engine/worker-binary';
import { WorkerPool } from '../src/engine/worker-pool';
import type { MediaOptions } from '../src/media.options';

// The engine against a real mediasoup worker: the one the app would spawn (worker-binary.ts; on these
// machines the shared build of the installed mediasoup version). Where there is none at all these
// tests are skipped, and say why.

const binary = findWorkerBinary();
if (!('source' in binary)) console.warn(`SKIPPED media engine tests: ${binary.reason}`);
const withWorker = 'source' in binary ? describe : describe.skip;

const options: MediaOptions = {
  logger: pino({ level: 'silent' }),
  nodeId: 'int',
  workers: 2,
  listenIp: '127.0.0.1',
  rtcPort: 41_000 + Math.floor(Math.random() * 1_000) * 2,
  policy: { ringTimeoutMs: 30_000, maxParticipants: 8 },
  rejoinGraceMs: 1_000,
  maxIncomingBitrate: 1_000_000,
  iceTransportPolicy: 'all',
  recordingsDir: '.data/recordings-int',
};

const opus: types.RtpParameters = {
  codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000, channels: 2 }],
  encodings: [{ ssrc: 11_111_111 }],
};
const client: types.RtpCapabilities = {
  codecs: [{ kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: 100, clockRate: 48_000, channels: 2 }],
  headerExtensions: [],
};

withWorker('media engine (real mediasoup worker)', () => {
  let pool: WorkerPool;

  beforeAll(async () => {
    pool = new WorkerPool(options);
    await pool.onModuleInit();
  });
  afterAll(() => pool?.onApplicationShutdown());

  it('runs one worker per configured core, each with its WebRtcServer, and spreads rooms over them', async () => {
    expect(pool.unavailableReason).toBeUndefined();
    const a = await CallRoom.open(pool.pick(), { audioOnly: true, ptt: false, maxIncomingBitrate: 1_000_000 }, options.logger);
    const b = await CallRoom.open(pool.pick(), { audioOnly: true, ptt: false, maxIncomingBitrate: 1_000_000 }, options.logger);
    expect(a.workerIndex).not.toBe(b.workerIndex);
    a.close('call.ended', {});
    b.close('call.ended', {});
  });

  it('produces and consumes (paused until resumed), refuses video in an audio call, and applies the PTT floor', async () => {
    const room = await CallRoom.open(pool.pick(), { audioOnly: true, ptt: true, maxIncomingBitrate: 1_000_000 }, options.logger);
    const told: [string, string, Record<string, unknown>][] = [];
    room.attach('u-a', (event, data) => told.push(['u-a', event, data]));
    room.attach('u-b', (event, data) => told.push(['u-b', event, data]));
    const send = await room.createTransport('u-a', 'send');
    expect(send.iceCandidates.length).toBeGreaterThan(0);
    expect(send.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    await expect(room.produce('u-a', send.id, 'video', opus)).rejects.toMatchObject({ code: 'AUDIO_ONLY' });

    const producerId = await room.produce('u-a', send.id, 'audio', opus);
    const producer = room.producers().find((p) => p.id === producerId)!;
    expect(producer.paused).toBe(true); // PTT: silent without the floor
    expect(told).toContainEqual(['u-b', 'newProducer', expect.objectContaining({ producerId, userId: 'u-a', kind: 'audio' })]);

    await room.createTransport('u-b', 'recv');
    const consumer = await room.consume('u-b', producerId, client);
    expect(consumer.kind).toBe('audio');
    await room.resumeConsumer('u-b', consumer.id);

    await room.applyFloor('u-a');
    expect(producer.paused).toBe(false);
    await expect(room.setPaused('u-b', producerId, false)).rejects.toMatchObject({ code: 'PRODUCER_NOT_FOUND' });
    await room.applyFloor(undefined);
    expect(producer.paused).toBe(true);
    await expect(room.setPaused('u-a', producerId, false)).rejects.toMatchObject({ code: 'FLOOR_TAKEN' });

    room.removePeer('u-a');
    expect(told).toContainEqual(['u-b', 'producerClosed', { producerId, userId: 'u-a' }]);
    room.close('call.ended', { reason: 'done' });
  });

  it('refuses what a client may not do: another call’s producer, another participant’s transport, a room it has not joined, more than the bitrate cap', async () => {
    const settings = { audioOnly: true, ptt: false, maxIncomingBitrate: 1_000_000 };
    const [mine, theirs] = [await CallRoom.open(pool.pick(), settings, options.logger), await CallRoom.open(pool.pick(), settings, options.logger)];
    mine.attach('u-a', () => undefined);
    mine.attach('u-c', () => undefined);
    theirs.attach('u-b', () => undefined);
    const send = await mine.createTransport('u-a', 'send');
    await expect(mine.produce('u-a', send.id, 'audio', { ...opus, encodings: [{ ssrc: 22_222_222, maxBitrate: 5_000_000 }] })).rejects.toMatchObject({ code: 'BITRATE_TOO_HIGH' });
    const producerId = await mine.produce('u-a', send.id, 'audio', { ...opus, encodings: [{ ssrc: 33_333_333, maxBitrate: 64_000 }] });
    await theirs.createTransport('u-b', 'recv');
    await expect(theirs.consume('u-b', producerId, client)).rejects.toMatchObject({ code: 'CANNOT_CONSUME' });
    await expect(mine.produce('u-c', send.id, 'audio', opus)).rejects.toMatchObject({ code: 'TRANSPORT_NOT_FOUND' });
    await expect(mine.createTransport('u-stranger', 'send')).rejects.toMatchObject({ code: 'NOT_JOINED' });
    mine.close('call.ended', {});
    theirs.close('call.ended', {});
  });

  it('records a call with consent: Opus into .ogg and VP8 into .webm, as long as the call, read back by ffprobe', async () => {
    const room = await CallRoom.open(pool.pick(), { audioOnly: false, ptt: false, maxIncomingBitrate: 1_000_000 }, options.logger);
    room.attach('u-a', () => undefined);
    const recorder = new CallRecorder(room.router, options.recordingsDir, `call_rec_${Date.now()}`, options.logger);
    const feeds: ChildProcess[] = [];
    const producers: types.Producer[] = [];
    // ffmpeg plays a phone: a tone as Opus and a test pattern as VP8, each into a PlainTransport producer
    const feed = async (kind: 'audio' | 'video', rtpParameters: types.RtpParameters, input: string[]) => {
      const transport = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
      const producer = await transport.produce({ kind, rtpParameters, appData: { userId: 'u-a' } });
      producers.push(producer);
      const { payloadType } = rtpParameters.codecs[0]!;
      const ssrc = rtpParameters.encodings![0]!.ssrc;
      feeds.push(spawn('ffmpeg', ['-nostdin', '-loglevel', 'error', '-re', ...input, '-payload_type', String(payloadType), '-ssrc', String(ssrc), '-f', 'rtp', `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${transport.rtcpTuple!.localPort}`], { stdio: 'ignore' }));
      await recorder.add(producer);
    };
    const started = Date.now();
    await feed('audio', { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000, channels: 2 }], encodings: [{ ssrc: 44_444_444 }] }, ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=30', '-c:a', 'libopus', '-ac', '2', '-ar', '48000']);
    await feed('video', { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90_000 }], encodings: [{ ssrc: 55_555_555 }] }, ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15:duration=30', '-c:v', 'libvpx', '-b:v', '300k', '-deadline', 'realtime', '-g', '15']);
    // the phone's encoders start slowly on a loaded machine (libvpx above all): the call is recorded from
    // the first packets of both (once, in CI, neither had arrived within 4 s of the spawn)
    for (let i = 0; i < 200; i++) {
      const stats = await Promise.all(producers.map((p) => p.getStats()));
      if (stats.every((s) => s.some((r) => r.byteCount > 0))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const flowing = Date.now();
    await new Promise((r) => setTimeout(r, 4_000));
    const files = await recorder.stop();
    // the recorder starts reading half a second in (ffmpeg's sockets open first), or at the first packets if later
    const recordedSeconds = (Date.now() - Math.max(started + 500, flowing)) / 1000;
    for (const f of feeds) f.kill('SIGKILL');
    room.close('call.ended', {});

    expect(files.map((f) => f.file.split('.').pop()).sort()).toEqual(['ogg', 'webm']);
    for (const f of files) {
      const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', f.file], { encoding: 'utf8' });
      const info = JSON.parse(probe.stdout) as { format?: { duration: string }; streams?: { codec_name: string }[] };
      if (!info.streams) throw new Error(`ffprobe cannot read ${f.file} (${f.bytes} bytes): ${probe.stderr}`);
      expect(info.streams.map((s) => s.codec_name)).toEqual([f.file.endsWith('.ogg') ? 'opus' : 'vp8']);
      // a loaded machine (the whole suite beside it) delays ffmpeg's start by a few hundred ms more
      expect(Math.abs(Number(info.format!.duration) - recordedSeconds)).toBeLessThanOrEqual(1.5);
      expect(f.bytes).toBeGreaterThan(1_000);
    }
  }, 40_000);

  it('replaces a worker that dies and tells whoever held calls on it', async () => {
    const died: number[] = [];
    pool.onWorkerDied((w) => died.push(w.index));
    const victim = pool.pick();
    process.kill(victim.worker.pid, 'SIGKILL');
    for (let i = 0; i < 100 && died.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(died).toEqual([victim.index]);
    for (let i = 0; i < 100 && pool.pick().worker === victim.worker; i++) await new Promise((r) => setTimeout(r, 50));
    expect(pool.unavailableReason).toBeUndefined();
  });
});

it('reports why calls cannot be taken without a worker', async () => {
  const pool = new WorkerPool({ ...options, workers: 1, workerBin: '/nonexistent/mediasoup-worker' });
  await pool.onModuleInit();
  expect(pool.unavailableReason).toContain('MEDIASOUP_WORKER_BIN=/nonexistent/mediasoup-worker does not exist');
  expect(() => pool.pick()).toThrow(/MEDIASOUP_WORKER_BIN/);
  await pool.onApplicationShutdown();
});
