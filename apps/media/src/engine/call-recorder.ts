import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';

export interface RecordingFile {
  file: string;
  bytes: number;
  durationMs: number;
}

interface Track {
  transport: types.PlainTransport;
  consumer: types.Consumer;
  ffmpeg: ChildProcess;
  file: string;
  /** performance.now(): a duration is measured, not a moment read (no Clock). */
  startedAt: number;
  exited: Promise<void>;
}

/** A free UDP port pair on loopback (RTP, RTCP) for ffmpeg to listen on. */
async function freePortPair(): Promise<[number, number]> {
  for (;;) {
    const socket = createSocket('udp4');
    const port = await new Promise<number>((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
    socket.close();
    if (port % 2 === 0 && port < 65_000) return [port, port + 1];
  }
}

/** The SDP ffmpeg reads to receive one RTP stream from mediasoup. */
export function sdpFor(kind: types.MediaKind, port: number, codec: types.RtpCodecParameters): string {
  const [, name] = codec.mimeType.split('/');
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=fieldline recording',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=${kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtcp:${port + 1}`,
    `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`,
    'a=recvonly',
    '',
  ].join('\n');
}

/**
 * Records a call with consent: each producer is consumed through a PlainTransport into its own ffmpeg
 * (Debian's), which writes the stream without re-encoding (Opus → .ogg, VP8 → .webm). Stopping ends
 * every ffmpeg cleanly and answers the files written.
 */
export class CallRecorder {
  private readonly tracks = new Map<string, Track>();

  constructor(
    private readonly router: types.Router,
    private readonly dir: string,
    private readonly callId: string,
    private readonly logger: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  async add(producer: types.Producer): Promise<void> {
    if (this.tracks.has(producer.id)) return;
    const [port, rtcpPort] = await freePortPair();
    const transport = await this.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
    await transport.connect({ ip: '127.0.0.1', port, rtcpPort });
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: this.router.rtpCapabilities, paused: true });
    const codec = consumer.rtpParameters.codecs[0]!;
    const base = join(this.dir, `${this.callId}-${String(producer.appData.userId ?? 'unknown')}-${producer.id.slice(0, 8)}`);
    writeFileSync(`${base}.sdp`, sdpFor(consumer.kind, port, codec));
    const file = `${base}.${consumer.kind === 'audio' ? 'ogg' : 'webm'}`;
    const ffmpeg = spawn('ffmpeg', ['-nostdin', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', `${base}.sdp`, '-c', 'copy', '-y', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    ffmpeg.stderr!.on('data', (chunk: Buffer) => this.logger.warn({ context: 'recording', callId: this.callId, ffmpeg: chunk.toString().trim() }, 'ffmpeg says'));
    const exited = new Promise<void>((resolve) => ffmpeg.once('exit', () => resolve()));
    ffmpeg.once('error', (error) => this.logger.error({ context: 'recording', callId: this.callId, err: error.message }, 'ffmpeg could not start: install Debian\'s ffmpeg'));
    this.tracks.set(producer.id, { transport, consumer, ffmpeg, file, startedAt: performance.now(), exited });
    producer.observer.once('close', () => void this.finish(producer.id));
    // ffmpeg needs a moment to open its sockets before the first packets (and, for video, a key frame).
    setTimeout(() => {
      void consumer.resume().then(() => (consumer.kind === 'video' ? consumer.requestKeyFrame() : undefined)).catch(() => undefined);
    }, 500);
  }

  /** Stops every track; answers what was written. */
  async stop(): Promise<RecordingFile[]> {
    const files = await Promise.all([...this.tracks.keys()].map((id) => this.finish(id)));
    return files.filter((f): f is RecordingFile => f !== undefined);
  }

  private async finish(producerId: string): Promise<RecordingFile | undefined> {
    const track = this.tracks.get(producerId);
    if (!track) return undefined;
    this.tracks.delete(producerId);
    const durationMs = Math.round(performance.now() - track.startedAt);
    // SIGINT while packets still arrive: ffmpeg acts on it at its next read and writes the container's
    // end at once. With the stream already closed it would first wait out its UDP read timeout (10 s),
    // and the file would still be empty when call.recording_ready named it. A silent stream (a producer
    // paused by push-to-talk) still costs that wait; past 15 s the file is given up on.
    track.ffmpeg.kill('SIGINT');
    const stuck = setTimeout(() => track.ffmpeg.kill('SIGKILL'), 15_000);
    await track.exited;
    clearTimeout(stuck);
    track.consumer.close();
    track.transport.close();
    try {
      return { file: track.file, bytes: statSync(track.file).size, durationMs };
    } catch {
      return undefined; // nothing arrived, nothing written
    }
  }
}
