import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { PooledWorker } from './worker-pool';

/** How the room talks to one participant's signaling socket (whichever socket they are on now). */
export type Notify = (event: string, data: Record<string, unknown>) => void;

// Payload types are left to mediasoup: it numbers the codecs and their RTX streams together (fixed
// numbers here collided with the RTX ones it picks, and every video call failed to open).
const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90_000, parameters: { 'x-google-start-bitrate': 600 } },
  { kind: 'video', mimeType: 'video/H264', clockRate: 90_000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 } },
];

/** A refused media request, with a code for the error frame. */
export class RoomError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RoomSettings {
  audioOnly: boolean;
  ptt: boolean;
  /** Bits/s a participant may send: enforced on their send transport, and asked-for encodings above it are refused. */
  maxIncomingBitrate: number;
}

export interface MediaCount {
  id: string;
  producerId: string;
  kind: string;
  paused: boolean;
  bytes: number;
  packets: number;
}

interface Peer {
  notify: Notify;
  transports: Map<string, types.WebRtcTransport>;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
}

/**
 * One call's media: a router on a pooled worker, each participant's WebRTC transports (through the
 * worker's WebRtcServer), producers and consumers (created paused; the client resumes them when ready),
 * the active speaker, scores as network quality, automatic ICE restart, and the push-to-talk floor
 * applied by pausing every audio producer but the holder's.
 */
export class CallRoom {
  private readonly peers = new Map<string, Peer>();
  private floorHolder: string | undefined;

  private constructor(
    readonly router: types.Router,
    private readonly pooled: PooledWorker,
    private readonly speaker: types.ActiveSpeakerObserver,
    private readonly settings: RoomSettings,
    private readonly logger: Logger,
  ) {
    speaker.on('dominantspeaker', ({ producer }) => this.broadcast('activeSpeaker', { userId: producer.appData.userId, producerId: producer.id }));
  }

  static async open(pooled: PooledWorker, settings: RoomSettings, logger: Logger): Promise<CallRoom> {
    const router = await pooled.worker.createRouter({ mediaCodecs: settings.audioOnly ? MEDIA_CODECS.filter((c) => c.kind === 'audio') : MEDIA_CODECS });
    pooled.routers++;
    router.observer.once('close', () => pooled.routers--);
    const speaker = await router.createActiveSpeakerObserver({ interval: 300 });
    return new CallRoom(router, pooled, speaker, settings, logger);
  }

  get workerIndex(): number {
    return this.pooled.index;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  /**
   * Binds a participant to their current socket. A rejoin (a reload, a dropped signaling socket) starts
   * their media afresh: the page that rejoins builds new transports, and the old ones' producers would
   * otherwise linger beside the new ones on everyone else's screen.
   */
  attach(userId: string, notify: Notify): { producers: { producerId: string; userId: string; kind: string; paused: boolean }[] } {
    this.removePeer(userId);
    this.peers.set(userId, { notify, transports: new Map(), producers: new Map(), consumers: new Map() });
    return { producers: this.otherProducers(userId) };
  }

  /** Byte and packet counts of every producer and consumer, per participant (GET /calls/:id/stats). */
  async stats(): Promise<Record<string, { producers: MediaCount[]; consumers: MediaCount[] }>> {
    const count = async (kind: string, id: string, producerId: string, paused: boolean, stats: Promise<{ type: string; byteCount?: number; packetCount?: number }[]>, direction: string): Promise<MediaCount> => {
      const rows = (await stats).filter((r) => r.type === direction);
      return { id, producerId, kind, paused, bytes: rows.reduce((n, r) => n + (r.byteCount ?? 0), 0), packets: rows.reduce((n, r) => n + (r.packetCount ?? 0), 0) };
    };
    const out: Record<string, { producers: MediaCount[]; consumers: MediaCount[] }> = {};
    for (const [userId, peer] of this.peers) {
      out[userId] = {
        producers: await Promise.all([...peer.producers.values()].map((p) => count(p.kind, p.id, p.id, p.paused, p.getStats(), 'inbound-rtp'))),
        consumers: await Promise.all([...peer.consumers.values()].map((c) => count(c.kind, c.id, c.producerId, c.paused || c.producerPaused, c.getStats(), 'outbound-rtp'))),
      };
    }
    return out;
  }

  async createTransport(userId: string, direction: 'send' | 'recv') {
    const peer = this.peer(userId);
    const transport = await this.router.createWebRtcTransport({ webRtcServer: this.pooled.webRtcServer, enableUdp: true, enableTcp: true, preferUdp: true, appData: { userId, direction } });
    peer.transports.set(transport.id, transport);
    if (direction === 'send') await transport.setMaxIncomingBitrate(this.settings.maxIncomingBitrate);
    transport.on('icestatechange', (state) => {
      if (state !== 'disconnected') return;
      // The client's network changed or stalled: new ICE credentials, which the client applies.
      transport.restartIce().then(
        (iceParameters) => peer.notify('iceRestarted', { transportId: transport.id, iceParameters }),
        (error: Error) => this.logger.warn({ context: 'media', userId, err: error.message }, 'ICE restart failed'),
      );
    });
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') this.logger.info({ context: 'media', userId, transportId: transport.id, state }, 'transport DTLS ended');
    });
    return { id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters };
  }

  async connectTransport(userId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.transport(userId, transportId).connect({ dtlsParameters });
  }

  async restartIce(userId: string, transportId: string): Promise<types.IceParameters> {
    return this.transport(userId, transportId).restartIce();
  }

  async produce(userId: string, transportId: string, kind: types.MediaKind, rtpParameters: types.RtpParameters): Promise<string> {
    if (kind === 'video' && this.settings.audioOnly) throw new RoomError('AUDIO_ONLY', 'this is an audio-only call');
    const asked = Math.max(0, ...(rtpParameters.encodings ?? []).map((e) => e.maxBitrate ?? 0));
    if (asked > this.settings.maxIncomingBitrate) throw new RoomError('BITRATE_TOO_HIGH', `an encoding asks for ${asked} bits/s; a participant may send at most ${this.settings.maxIncomingBitrate}`);
    const peer = this.peer(userId);
    // In push-to-talk, audio starts muted unless this participant has the floor.
    const paused = this.settings.ptt && kind === 'audio' && this.floorHolder !== userId;
    const producer = await this.transport(userId, transportId).produce({ kind, rtpParameters, paused, appData: { userId } });
    peer.producers.set(producer.id, producer);
    producer.on('score', (score) => peer.notify('score', { type: 'producer', id: producer.id, score }));
    producer.on('transportclose', () => peer.producers.delete(producer.id));
    if (kind === 'audio') await this.speaker.addProducer({ producerId: producer.id });
    this.broadcast('newProducer', { producerId: producer.id, userId, kind, paused }, userId);
    return producer.id;
  }

  async consume(userId: string, producerId: string, rtpCapabilities: types.RtpCapabilities) {
    const peer = this.peer(userId);
    if (!this.router.canConsume({ producerId, rtpCapabilities })) throw new RoomError('CANNOT_CONSUME', 'the client cannot decode this producer (rtpCapabilities)');
    const recv = [...peer.transports.values()].find((t) => t.appData.direction === 'recv');
    if (!recv) throw new RoomError('NO_RECV_TRANSPORT', 'create a recv transport first');
    const consumer = await recv.consume({ producerId, rtpCapabilities, paused: true, appData: { userId } });
    peer.consumers.set(consumer.id, consumer);
    consumer.on('score', (score) => peer.notify('score', { type: 'consumer', id: consumer.id, score }));
    consumer.on('producerclose', () => {
      peer.consumers.delete(consumer.id);
      peer.notify('consumerClosed', { consumerId: consumer.id, producerId });
    });
    consumer.on('producerpause', () => peer.notify('consumerPaused', { consumerId: consumer.id, paused: true }));
    consumer.on('producerresume', () => peer.notify('consumerPaused', { consumerId: consumer.id, paused: false }));
    return { id: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters, producerPaused: consumer.producerPaused };
  }

  async resumeConsumer(userId: string, consumerId: string): Promise<void> {
    const consumer = this.peer(userId).consumers.get(consumerId);
    if (!consumer) throw new RoomError('CONSUMER_NOT_FOUND', `no consumer ${consumerId}`);
    await consumer.resume();
  }

  /** Mute and unmute. In push-to-talk, audio unmutes only with the floor. */
  async setPaused(userId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.peer(userId).producers.get(producerId);
    if (!producer) throw new RoomError('PRODUCER_NOT_FOUND', `no producer ${producerId}`);
    if (!paused && this.settings.ptt && producer.kind === 'audio' && this.floorHolder !== userId) throw new RoomError('FLOOR_TAKEN', 'push-to-talk: request the floor to speak');
    await (paused ? producer.pause() : producer.resume());
  }

  /** Applies the floor: the holder's audio flows, everyone else's is paused. */
  async applyFloor(holder: string | undefined): Promise<void> {
    this.floorHolder = holder;
    const changes: Promise<void>[] = [];
    for (const [userId, peer] of this.peers) {
      for (const producer of peer.producers.values()) {
        if (producer.kind !== 'audio') continue;
        if (userId === holder && producer.paused) changes.push(producer.resume());
        if (userId !== holder && !producer.paused) changes.push(producer.pause());
      }
    }
    await Promise.all(changes);
    this.broadcast('floor', { userId: holder ?? null });
  }

  /** Every producer of the call (for the recorder). */
  producers(): types.Producer[] {
    return [...this.peers.values()].flatMap((p) => [...p.producers.values()]);
  }

  removePeer(userId: string): void {
    const peer = this.peers.get(userId);
    if (!peer) return;
    // Their ids first: closing a transport closes its producers, whose transportclose empties the map.
    const producerIds = [...peer.producers.keys()];
    for (const transport of peer.transports.values()) transport.close();
    this.peers.delete(userId);
    for (const producerId of producerIds) this.broadcast('producerClosed', { producerId, userId });
  }

  /** Tells everyone still attached, then frees the router. */
  close(event: string, data: Record<string, unknown>): void {
    this.broadcast(event, data);
    this.peers.clear();
    this.router.close();
  }

  broadcast(event: string, data: Record<string, unknown>, except?: string): void {
    for (const [userId, peer] of this.peers) if (userId !== except) peer.notify(event, data);
  }

  private otherProducers(userId: string) {
    return [...this.peers].flatMap(([owner, peer]) =>
      owner === userId ? [] : [...peer.producers.values()].map((p) => ({ producerId: p.id, userId: owner, kind: p.kind, paused: p.paused })),
    );
  }

  private peer(userId: string): Peer {
    const peer = this.peers.get(userId);
    if (!peer) throw new RoomError('NOT_JOINED', 'join the call first');
    return peer;
  }

  private transport(userId: string, transportId: string): types.WebRtcTransport {
    const transport = this.peer(userId).transports.get(transportId);
    if (!transport) throw new RoomError('TRANSPORT_NOT_FOUND', `no transport ${transportId}`);
    return transport;
  }
}
