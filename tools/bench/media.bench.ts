// npm run bench:media -- [--video] [--step 100] [--max 4000] [--seconds 5]
//
// Consumers per mediasoup worker: one Opus producer (with --video, also a ~500 kbps VP8 one) fed by
// ffmpeg into a PlainTransport, then N consumers of it, each on its own PlainTransport to a local UDP
// sink, N raised by --step until the worker passes 80 % of a core or a consumer loses packets. Prints
// per step the worker's CPU (from /proc/<pid>/stat over the window), CPU per consumer and loss; and the
// last N that stayed under both limits. Anchor: mediasoup's documentation puts a worker at ~500
// consumers. The worker is the one apps/media would run (worker-binary.ts); ffmpeg and this process
// share the machine's 2 cores with it, as they would not in production.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { cpuSeconds } from './proc-cpu';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { findWorkerBinary } from '../../apps/media/src/engine/worker-binary';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const VIDEO = process.argv.includes('--video');
const STEP = arg('step', 100);
const MAX = arg('max', 4000);
const SECONDS = arg('seconds', 5);
const CPU_LIMIT = 0.8;

/** Counts RTP packets per SSRC on a few UDP sockets (each consumer sends with its own SSRC). */
class Sinks {
  readonly counts = new Map<number, number>();
  private readonly sockets: Socket[] = [];

  async open(n: number): Promise<number[]> {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
      socket.on('message', (packet) => {
        const type = packet[1]! & 0x7f; // RTCP's packet types 200–206 read as 72–78 here; RTP's marker bit is the top one
        if (packet.length < 12 || (type >= 72 && type <= 78)) return;
        const ssrc = packet.readUInt32BE(8);
        this.counts.set(ssrc, (this.counts.get(ssrc) ?? 0) + 1);
      });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      this.sockets.push(socket);
      ports.push(socket.address().port);
    }
    return ports;
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}

async function producerFedByFfmpeg(router: types.Router, kind: 'audio' | 'video'): Promise<{ producer: types.Producer; ffmpeg: ChildProcess }> {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const audio = kind === 'audio';
  const rtpParameters: types.RtpParameters = audio
    ? { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000, channels: 2 }], encodings: [{ ssrc: 11_111_111 }] }
    : { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90_000 }], encodings: [{ ssrc: 22_222_222 }] };
  const producer = await transport.produce({ kind, rtpParameters });
  const input = audio
    ? ['-f', 'lavfi', '-i', 'sine=frequency=440', '-c:a', 'libopus', '-ac', '2', '-ar', '48000', '-b:a', '32k']
    : ['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-c:v', 'libvpx', '-b:v', '500k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '50'];
  const ffmpeg = spawn(
    'ffmpeg',
    ['-nostdin', '-loglevel', 'error', '-re', ...input, '-payload_type', String(rtpParameters.codecs[0]!.payloadType), '-ssrc', String(rtpParameters.encodings![0]!.ssrc), '-f', 'rtp', `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${transport.rtcpTuple!.localPort}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return { producer, ffmpeg };
}

async function main(): Promise<void> {
  const binary = findWorkerBinary();
  if (!('source' in binary)) throw new Error(binary.reason);
  console.log(`bench:media — consumers per worker (${binary.path}, mediasoup ${mediasoup.version}); Opus${VIDEO ? ' + VP8 ~500 kbps' : ''} producers fed by ffmpeg; ${SECONDS} s per step of ${STEP}`);
  const worker = await mediasoup.createWorker({ logLevel: 'error', workerBin: binary.path });
  const router = await worker.createRouter({
    mediaCodecs: [
      { kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2 },
      { kind: 'video', mimeType: 'video/VP8', clockRate: 90_000 },
    ],
  });
  const feeds = [await producerFedByFfmpeg(router, 'audio'), ...(VIDEO ? [await producerFedByFfmpeg(router, 'video')] : [])];
  const sinks = new Sinks();
  const ports = await sinks.open(8);
  const consumers: types.Consumer[] = [];
  let lastGood: { n: number; cpu: number } | undefined;
  await new Promise((r) => setTimeout(r, 1_500)); // ffmpeg running

  try {
    for (let n = STEP; n <= MAX; n += STEP) {
      while (consumers.length < n) {
        const feed = feeds[consumers.length % feeds.length]!;
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
        await transport.connect({ ip: '127.0.0.1', port: ports[consumers.length % ports.length]! });
        consumers.push(await transport.consume({ producerId: feed.producer.id, rtpCapabilities: router.rtpCapabilities }));
      }
      await new Promise((r) => setTimeout(r, 1_000)); // settle
      const ssrcs = consumers.map((c) => c.rtpParameters.encodings![0]!.ssrc!);
      const before = ssrcs.map((s) => sinks.counts.get(s) ?? 0);
      const sentBefore = await Promise.all(consumers.map(async (c) => (await c.getStats()).find((s) => s.type === 'outbound-rtp')?.packetCount ?? 0));
      const cpu0 = cpuSeconds(worker.pid);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      const cpu = (cpuSeconds(worker.pid) - cpu0) / ((performance.now() - t0) / 1000);
      await new Promise((r) => setTimeout(r, 300)); // packets in flight
      const sent = (await Promise.all(consumers.map(async (c) => (await c.getStats()).find((s) => s.type === 'outbound-rtp')?.packetCount ?? 0))).reduce((a, b, i) => a + b - sentBefore[i]!, 0);
      const received = ssrcs.reduce((a, s, i) => a + (sinks.counts.get(s) ?? 0) - before[i]!, 0);
      const loss = sent > 0 ? Math.max(0, 1 - received / sent) : 1;
      const starved = consumers.filter((_, i) => (sinks.counts.get(ssrcs[i]!) ?? 0) === before[i]).length;
      console.log(
        `  ${String(n).padStart(5)} consumers   worker CPU ${(cpu * 100).toFixed(1).padStart(5)} % of a core   ${((cpu * 1e6) / n).toFixed(0).padStart(5)} µs CPU per consumer-second   ` +
          `loss ${(loss * 100).toFixed(2)} % (${received.toLocaleString('en-US')} of ${sent.toLocaleString('en-US')} packets)${starved ? `, ${starved} consumers got nothing` : ''}`,
      );
      if (cpu > CPU_LIMIT || loss > 0.01 || starved > 0) break;
      lastGood = { n, cpu };
    }
  } finally {
    for (const f of feeds) f.ffmpeg.kill('SIGKILL');
    sinks.close();
    worker.close();
  }
  if (lastGood) {
    console.log(`\n  consumers per worker under ${CPU_LIMIT * 100} % of a core and 1 % loss: ${lastGood.n} (worker at ${(lastGood.cpu * 100).toFixed(1)} %), ` + `${((lastGood.cpu * 1e6) / lastGood.n).toFixed(0)} µs CPU per consumer-second; mediasoup's documented anchor ~500`);
  } else console.log('\n  not even the first step stayed under the limits');
  console.log('  (accept → first inbound audio over 20 browser calls is not measured here yet: the browsers need a worker that survives DTLS; see apps/media/test/worker-defects.ts)');
}

main().catch((error: Error) => {
  console.error(`bench:media failed: ${error.message}`);
  process.exit(1);
});
