// One call on this page, through the media app's SFU with mediasoup-client: join, a send transport for
// the microphone (and camera), a receive transport for everyone else, and the room's notifications
// (who joined, who speaks, network quality, the push-to-talk floor, ICE restarts, the end). A dropped
// signaling socket or a reload rejoins within the server's grace period; the server starts this
// participant's media afresh on a rejoin, so the page builds it anew too.
import { signal } from '@preact/signals';
import { Device, type types } from 'mediasoup-client';
import { MediaSignaling, SignalingError } from './media-signaling';

export interface RemotePeer {
  userId: string;
  technicianId?: string;
  stream: MediaStream;
  hasVideo: boolean;
  /** 0–10 from the server's consumer scores (the worst of this peer's streams); undefined until one arrives. */
  score?: number;
}

export type CallPhase = 'joining' | 'live' | 'reconnecting' | 'ended';

interface Consumed {
  consumer: types.Consumer;
  userId: string;
}

const STORAGE_KEY = 'fieldline.call';
const REJOIN_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];

export class CallSession {
  readonly phase = signal<CallPhase>('joining');
  readonly peers = signal(new Map<string, RemotePeer>());
  readonly local = signal<MediaStream | undefined>(undefined);
  readonly muted = signal(false);
  readonly cameraOn = signal(false);
  readonly floor = signal<string | null>(null);
  readonly speaker = signal<string | null>(null);
  readonly endedReason = signal<string | undefined>(undefined);
  mode: 'audio' | 'video' = 'audio';
  ptt = false;

  private signaling?: MediaSignaling;
  private device?: Device;
  private send?: types.Transport;
  private recv?: types.Transport;
  private readonly producers = new Map<'audio' | 'video', types.Producer>();
  private readonly consumers = new Map<string, Consumed>();
  private leaving = false;
  private ice: { iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy } = { iceServers: [], iceTransportPolicy: 'all' };

  private constructor(
    readonly callId: string,
    readonly me: { userId: string; role: string },
    private readonly url: string,
    private readonly token: () => Promise<string>,
  ) {}

  /** Starts a call (a dispatcher); `connect` then joins it. */
  static async start(url: string, token: () => Promise<string>, me: CallSession['me'], input: { technicianIds: string[]; mode: 'audio' | 'video'; ptt: boolean; jobId?: string }): Promise<CallSession> {
    const signaling = new MediaSignaling(url, token);
    await signaling.open();
    try {
      const { callId } = await signaling.request<{ callId: string }>('create', input);
      const session = new CallSession(callId, me, url, token);
      session.signaling = signaling;
      return session;
    } catch (error) {
      signaling.close();
      throw error;
    }
  }

  /** A call to answer, or to rejoin after a reload; `connect` joins it. */
  static of(url: string, token: () => Promise<string>, me: CallSession['me'], callId: string): CallSession {
    return new CallSession(callId, me, url, token);
  }

  /**
   * Joins the call and sets up media. A failure on the way ends the session with the reason (the
   * server's `call.ended` when there is one: the call may have ended under us), never a half-open call.
   */
  async connect(): Promise<void> {
    const signaling = this.signaling ?? new MediaSignaling(this.url, this.token);
    try {
      if (!signaling.isOpen) await signaling.open();
      await this.join(signaling);
    } catch (error) {
      // a call.ended that arrives with the failure says more than the failed request
      await new Promise((r) => setTimeout(r, 300));
      this.finish((error as Error).message);
    }
  }

  /** The call this tab was in when it was reloaded, if any. */
  static remembered(): string | undefined {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  }

  static forget(): void {
    sessionStorage.removeItem(STORAGE_KEY);
  }

  static decline(url: string, token: () => Promise<string>, callId: string): Promise<void> {
    const signaling = new MediaSignaling(url, token);
    return signaling
      .open()
      .then(() => signaling.request('decline', { callId }))
      .then(() => undefined)
      .finally(() => signaling.close());
  }

  async setMuted(muted: boolean): Promise<void> {
    const producer = this.producers.get('audio');
    if (!producer) return;
    if (!muted && this.ptt && this.floor.value !== this.me.userId) throw new SignalingError('FLOOR_TAKEN', 'push-to-talk: hold the talk button to speak');
    await this.signaling!.request('mute', { callId: this.callId, producerId: producer.id, muted });
    if (muted) producer.pause();
    else producer.resume();
    this.muted.value = muted;
  }

  async setCamera(on: boolean): Promise<void> {
    const producer = this.producers.get('video');
    if (!producer) return;
    await this.signaling!.request('mute', { callId: this.callId, producerId: producer.id, muted: !on });
    if (on) producer.resume();
    else producer.pause();
    producer.track!.enabled = on;
    this.cameraOn.value = on;
  }

  /** Push-to-talk: hold to take the floor (the server pauses everyone else's audio), release to give it back. */
  async talk(holding: boolean): Promise<void> {
    await this.signaling!.request(holding ? 'takeFloor' : 'releaseFloor', { callId: this.callId });
  }

  /** The dispatcher ends the call for everyone; a technician leaves it. */
  async hangUp(): Promise<void> {
    this.leaving = true;
    const method = this.me.role === 'technician' ? 'leave' : 'end';
    await this.signaling?.request(method, { callId: this.callId }).catch(() => undefined);
    this.finish(method === 'end' ? 'you ended the call' : 'you left the call');
  }

  /** The media this page receives, from the browser's own counters (what the tests read, and a debug aid). */
  async inboundStats(): Promise<{ kind: string; packetsReceived: number; bytesReceived: number; framesDecoded?: number }[]> {
    if (!this.recv) return [];
    const report = await this.recv.getStats();
    return [...report.values()].filter((s) => s.type === 'inbound-rtp').map((s) => ({ kind: s.kind, packetsReceived: s.packetsReceived ?? 0, bytesReceived: s.bytesReceived ?? 0, framesDecoded: s.framesDecoded }));
  }

  private async join(signaling: MediaSignaling): Promise<void> {
    this.signaling = signaling;
    this.listen(signaling);
    const joined = await signaling.request<{ rtpCapabilities: types.RtpCapabilities; producers: { producerId: string; userId: string; kind: string }[]; participants: { userId: string; technicianId?: string }[]; floor: string | null; mode: 'audio' | 'video'; ptt: boolean; iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy }>('join', { callId: this.callId });
    this.ice = { iceServers: joined.iceServers ?? [], iceTransportPolicy: joined.iceTransportPolicy ?? 'all' };
    sessionStorage.setItem(STORAGE_KEY, this.callId);
    this.mode = joined.mode;
    this.ptt = joined.ptt;
    this.floor.value = joined.floor;
    if (!this.device) {
      this.device = new Device();
      await this.device.load({ routerRtpCapabilities: joined.rtpCapabilities });
    }
    this.send = await this.transport('send');
    this.recv = await this.transport('recv');
    for (const p of joined.participants) if (p.userId !== this.me.userId) this.addPeer(p.userId, p.technicianId);
    await this.produceLocal();
    for (const p of joined.producers) await this.consume(p.producerId, p.userId);
    this.phase.value = 'live';
  }

  private async transport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const signaling = this.signaling!;
    const options = await signaling.request<types.TransportOptions>('createTransport', { callId: this.callId, direction });
    // TURN (short-lived credentials from the server) for networks where no direct path works
    const withIce = { ...options, ...this.ice };
    const transport = direction === 'send' ? this.device!.createSendTransport(withIce) : this.device!.createRecvTransport(withIce);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      signaling.request('connectTransport', { callId: this.callId, transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
        signaling.request<{ producerId: string }>('produce', { callId: this.callId, transportId: transport.id, kind, rtpParameters }).then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    // The server restarts ICE when it sees the path go; the page does too when the browser sees it fail.
    transport.on('connectionstatechange', (state) => {
      if (state !== 'failed' || this.signaling !== signaling) return;
      signaling.request<{ iceParameters: types.IceParameters }>('restartIce', { callId: this.callId, transportId: transport.id }).then(
        ({ iceParameters }) => transport.restartIce({ iceParameters }),
        () => undefined,
      );
    });
    return transport;
  }

  private async produceLocal(): Promise<void> {
    const stream = this.local.value ?? (await navigator.mediaDevices.getUserMedia({ audio: true, video: this.mode === 'video' }));
    this.local.value = stream;
    this.producers.clear();
    for (const track of stream.getTracks()) {
      const kind = track.kind as 'audio' | 'video';
      // stopTracks off: a rejoin closes the transports and produces the same tracks again
      this.producers.set(kind, await this.send!.produce({ track, stopTracks: false, ...(kind === 'video' ? { encodings: [{ maxBitrate: 500_000 }] } : {}) }));
    }
    // In push-to-talk the server starts our audio paused until we hold the floor.
    this.muted.value = this.ptt && this.floor.value !== this.me.userId;
    this.cameraOn.value = this.producers.has('video');
  }

  private async consume(producerId: string, userId: string): Promise<void> {
    const answer = await this.signaling!.request<{ id: string; producerId: string; kind: 'audio' | 'video'; rtpParameters: types.RtpParameters }>('consume', {
      callId: this.callId,
      producerId,
      rtpCapabilities: this.device!.rtpCapabilities,
    });
    const consumer = await this.recv!.consume({ id: answer.id, producerId, kind: answer.kind, rtpParameters: answer.rtpParameters });
    this.consumers.set(consumer.id, { consumer, userId });
    const peer = this.addPeer(userId);
    peer.stream.addTrack(consumer.track);
    if (consumer.kind === 'video') peer.hasVideo = true;
    this.touchPeers();
    await this.signaling!.request('resumeConsumer', { callId: this.callId, consumerId: consumer.id });
  }

  private listen(signaling: MediaSignaling): void {
    const current = (fn: (data: Record<string, any>) => void) => (data: Record<string, any>) => {
      if (this.signaling === signaling) fn(data);
    };
    signaling.on('newProducer', current((d) => void this.consume(d.producerId, d.userId).catch(() => undefined)));
    signaling.on('producerClosed', current((d) => this.dropProducer(d.producerId)));
    signaling.on('consumerClosed', current((d) => this.dropProducer(d.producerId)));
    signaling.on('participantJoined', current((d) => this.addPeer(d.userId, d.technicianId) && this.touchPeers()));
    signaling.on('participantLeft', current((d) => {
      const peers = new Map(this.peers.value);
      peers.delete(d.userId);
      this.peers.value = peers;
    }));
    signaling.on('activeSpeaker', current((d) => (this.speaker.value = d.userId)));
    signaling.on('floor', current((d) => {
      this.floor.value = d.userId;
      if (this.ptt) this.muted.value = d.userId !== this.me.userId;
    }));
    signaling.on('score', current((d) => {
      if (d.type !== 'consumer') return;
      const consumed = this.consumers.get(d.id);
      const peer = consumed && this.peers.value.get(consumed.userId);
      if (!peer) return;
      peer.score = Math.min(d.score.score, d.score.producerScore);
      this.touchPeers();
    }));
    signaling.on('iceRestarted', current((d) => {
      const transport = [this.send, this.recv].find((t) => t?.id === d.transportId);
      void transport?.restartIce({ iceParameters: d.iceParameters });
    }));
    signaling.on('call.ended', current((d) => this.finish(d.reason ?? 'the call ended')));
    signaling.on('closed', current(() => void this.rejoin()));
  }

  /** The signaling socket dropped mid-call: rejoin (the server keeps our place for its grace period). */
  private async rejoin(): Promise<void> {
    if (this.leaving || this.phase.value === 'ended') return;
    this.phase.value = 'reconnecting';
    this.closeMedia(false);
    for (const delay of REJOIN_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.leaving) return;
      const signaling = new MediaSignaling(this.url, this.token);
      try {
        await signaling.open();
        await this.join(signaling);
        return;
      } catch (error) {
        signaling.close();
        if (error instanceof SignalingError && ['CALL_ENDED', 'CALL_NOT_FOUND', 'NOT_INVITED'].includes(error.code)) return this.finish(error.message);
      }
    }
    this.finish('the connection to the call server was lost');
  }

  private addPeer(userId: string, technicianId?: string): RemotePeer {
    let peer = this.peers.value.get(userId);
    if (!peer) {
      peer = { userId, ...(technicianId ? { technicianId } : {}), stream: new MediaStream(), hasVideo: false };
      const peers = new Map(this.peers.value);
      peers.set(userId, peer);
      this.peers.value = peers;
    } else if (technicianId) peer.technicianId = technicianId;
    return peer;
  }

  private dropProducer(producerId: string): void {
    for (const [id, consumed] of this.consumers) {
      if (consumed.consumer.producerId !== producerId) continue;
      this.peers.value.get(consumed.userId)?.stream.removeTrack(consumed.consumer.track);
      consumed.consumer.close();
      this.consumers.delete(id);
    }
    this.touchPeers();
  }

  private touchPeers(): void {
    this.peers.value = new Map(this.peers.value);
  }

  private closeMedia(stopLocal: boolean): void {
    this.send?.close();
    this.recv?.close();
    this.send = this.recv = undefined;
    this.consumers.clear();
    this.producers.clear();
    this.peers.value = new Map();
    if (stopLocal) {
      for (const track of this.local.value?.getTracks() ?? []) track.stop();
      this.local.value = undefined;
    }
  }

  private finish(reason: string): void {
    if (this.phase.value === 'ended') return;
    sessionStorage.removeItem(STORAGE_KEY);
    this.closeMedia(true);
    this.signaling?.close();
    this.endedReason.value = reason;
    this.phase.value = 'ended';
  }
}
