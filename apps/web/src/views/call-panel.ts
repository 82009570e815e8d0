import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CallSession, RemotePeer } from '../call/call-session';
import type { LiveStore } from '../live-store';
import { attempt } from './shared';

/** Call buttons for one technician: audio, video, push-to-talk (the dispatcher's people list, a job, the map). */
export function CallButtons({ store, technicianId, jobId }: { store: LiveStore; technicianId: string; jobId?: string }) {
  const inCall = store.calls.active.value && store.calls.active.value.phase.value !== 'ended';
  const call = (mode: 'audio' | 'video', ptt: boolean) =>
    attempt(store, 'Could not start the call', () => store.calls.start({ technicianIds: [technicianId], mode, ptt, ...(jobId ? { jobId } : {}) }));
  return html`
    <span class="call-buttons">
      <button type="button" disabled=${inCall} data-testid="call-audio" data-technician=${technicianId} onClick=${(e: Event) => { e.stopPropagation(); void call('audio', false); }} title="Voice call">Call</button>
      <button type="button" disabled=${inCall} data-testid="call-video" data-technician=${technicianId} onClick=${(e: Event) => { e.stopPropagation(); void call('video', false); }} title="Video call">Video</button>
      <button type="button" disabled=${inCall} data-testid="call-ptt" data-technician=${technicianId} onClick=${(e: Event) => { e.stopPropagation(); void call('audio', true); }} title="Push-to-talk">PTT</button>
    </span>
  `;
}

/** On every screen of an invited technician: the ringing call, to accept or decline. */
export function IncomingCalls({ store }: { store: LiveStore }) {
  store.tick.value;
  const technicianId = store.session.me.technicianId;
  if (!technicianId) return null;
  const answered = store.calls.answered.value;
  const active = store.calls.active.value;
  const ringing = store.state.ringing(technicianId).filter((c) => !answered.has(c.callId) && c.callId !== active?.callId);
  if (ringing.length === 0) return null;
  const call = ringing[0]!;
  const job = call.jobId ? store.state.jobs.get(call.jobId) : undefined;
  return html`
    <div class="incoming-call" role="alertdialog" aria-label="Incoming call" data-testid="incoming-call" data-call=${call.callId}>
      <strong>Dispatch is calling${job ? ` about ${job.title}` : ''}</strong>
      <button type="button" class="accept" data-testid="accept-call" onClick=${() => attempt(store, 'Could not join the call', () => store.calls.accept(call.callId))}>Accept</button>
      <button type="button" class="decline" data-testid="decline-call" onClick=${() => attempt(store, 'Could not decline', () => store.calls.decline(call.callId))}>Decline</button>
    </div>
  `;
}

/** The call this page is in: participants (video tiles, who speaks, level, network), mute, camera, talk, hang up. */
export function ActiveCall({ store }: { store: LiveStore }) {
  const call = store.calls.active.value;
  if (!call) return null;
  const phase = call.phase.value;
  if (phase === 'ended') {
    return html`<div class="call ended" data-testid="call" data-phase="ended">
      <p>Call ended: ${call.endedReason.value}</p>
      <button type="button" onClick=${() => store.calls.dismiss()}>Close</button>
    </div>`;
  }
  const peers = [...call.peers.value.values()];
  const name = (peer: RemotePeer) => (peer.technicianId ? (store.state.technicians.get(peer.technicianId)?.name ?? peer.technicianId) : 'Dispatch');
  const act = (what: string, action: () => Promise<unknown>) => void attempt(store, what, action);
  return html`
    <div class="call" data-testid="call" data-phase=${phase} data-call=${call.callId} data-mode=${call.mode} data-ptt=${call.ptt}>
      <header>
        <strong>${phase === 'joining' ? 'Joining…' : phase === 'reconnecting' ? 'Reconnecting…' : call.ptt ? 'Push-to-talk' : call.mode === 'video' ? 'Video call' : 'Voice call'}</strong>
        ${call.ptt && html`<span class="muted" data-testid="floor">${call.floor.value === null ? 'channel free' : call.floor.value === call.me.userId ? 'you are talking' : 'someone is talking'}</span>`}
      </header>
      <div class="tiles">
        <${Tile} label="You" stream=${call.local.value} mirrored=${true} muted=${true} speaking=${call.speaker.value === call.me.userId} testid="tile-me" />
        ${peers.length === 0 && html`<p class="muted">Ringing…</p>`}
        ${peers.map((peer) => html`<${Tile} key=${peer.userId} label=${name(peer)} stream=${peer.stream} video=${peer.hasVideo} speaking=${call.speaker.value === peer.userId} score=${peer.score} testid="tile-peer" userId=${peer.userId} />`)}
      </div>
      <footer>
        ${!call.ptt && html`<button type="button" data-testid="mute" aria-pressed=${call.muted.value} onClick=${() => act('Could not change the microphone', () => call.setMuted(!call.muted.value))}>${call.muted.value ? 'Unmute' : 'Mute'}</button>`}
        ${call.mode === 'video' && html`<button type="button" data-testid="camera" aria-pressed=${!call.cameraOn.value} onClick=${() => act('Could not change the camera', () => call.setCamera(!call.cameraOn.value))}>${call.cameraOn.value ? 'Camera off' : 'Camera on'}</button>`}
        ${call.ptt && html`<${TalkButton} store=${store} call=${call} />`}
        <button type="button" class="hangup" data-testid="hang-up" onClick=${() => act('Could not hang up', () => call.hangUp())}>Hang up</button>
      </footer>
    </div>
  `;
}

/** Hold to talk: the button (touch or mouse), or the space bar on a desk. */
function TalkButton({ store, call }: { store: LiveStore; call: CallSession }) {
  const holding = useRef(false);
  const set = (on: boolean) => {
    if (holding.current === on) return;
    holding.current = on;
    void attempt(store, on ? 'Could not take the floor' : 'Could not release the floor', () => call.talk(on));
  };
  useEffect(() => {
    const typing = (e: KeyboardEvent) => e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    const down = (e: KeyboardEvent) => e.code === 'Space' && !typing(e) && (e.preventDefault(), set(true));
    const up = (e: KeyboardEvent) => e.code === 'Space' && !typing(e) && set(false);
    addEventListener('keydown', down);
    addEventListener('keyup', up);
    return () => {
      removeEventListener('keydown', down);
      removeEventListener('keyup', up);
    };
  }, [call]);
  return html`<button type="button" class="talk" data-testid="talk" aria-pressed=${call.floor.value === call.me.userId}
    onPointerDown=${() => set(true)} onPointerUp=${() => set(false)} onPointerLeave=${() => set(false)}>Hold to talk</button>`;
}

/** One participant: video when there is some, their audio, a level meter, who speaks, network quality. */
function Tile(props: { label: string; stream?: MediaStream; video?: boolean; mirrored?: boolean; muted?: boolean; speaking: boolean; score?: number; testid: string; userId?: string }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  const level = useLevel(props.stream);
  useEffect(() => {
    if (videoRef.current && props.stream) videoRef.current.srcObject = props.stream;
    if (audioRef.current && props.stream && !props.muted) audioRef.current.srcObject = props.stream;
  }, [props.stream, props.video]);
  const quality = props.score === undefined ? 'unknown' : props.score >= 7 ? 'good' : props.score >= 4 ? 'fair' : 'poor';
  return html`
    <figure class=${`tile${props.speaking ? ' speaking' : ''}`} data-testid=${props.testid} data-user=${props.userId} data-speaking=${props.speaking} data-quality=${quality}>
      ${(props.video || props.mirrored) && props.stream?.getVideoTracks().length ? html`<video ref=${videoRef} autoplay playsinline muted class=${props.mirrored ? 'mirrored' : ''}></video>` : html`<div class="avatar">${props.label.slice(0, 1)}</div>`}
      ${!props.muted && html`<audio ref=${audioRef} autoplay></audio>`}
      <figcaption>
        ${props.label}
        <meter min="0" max="1" value=${level} data-testid="level" data-level=${level.toFixed(2)}></meter>
        ${props.score !== undefined && html`<span class=${`quality ${quality}`} title=${`network ${props.score}/10`}>●</span>`}
      </figcaption>
    </figure>
  `;
}

/** The stream's audio level, 0–1, ten times a second (Web Audio). */
function useLevel(stream: MediaStream | undefined): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!stream || stream.getAudioTracks().length === 0) return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
      setLevel(Math.min(1, rms * 4));
    }, 100);
    return () => {
      clearInterval(timer);
      void context.close();
    };
  }, [stream, stream?.getAudioTracks().length]);
  return level;
}
