// Which call this page is in, if any: starting one (dispatcher), answering or declining a ringing one
// (technician), and rejoining after a reload. The views read `active`.
import { signal } from '@preact/signals';
import type { Session } from '../session';
import { CallSession } from './call-session';

export class CallController {
  readonly active = signal<CallSession | undefined>(undefined);
  /** Calls this page declined or hung up, so the ringing banner does not come back for them. */
  readonly answered = signal(new Set<string>());
  private readonly url: string;
  private readonly token: () => Promise<string>;

  constructor(
    private readonly session: Session,
    mediaUrl: string | null,
  ) {
    this.url = mediaUrl ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:3004/media`;
    this.token = () => session.accessToken();
    // A handle for support (and the browser tests): `fieldline.calls.active.value.inboundStats()` in the console.
    (globalThis as { fieldline?: { calls: CallController } }).fieldline = { calls: this };
  }

  private get me() {
    return { userId: this.session.me.userId, role: this.session.me.role };
  }

  async start(input: { technicianIds: string[]; mode: 'audio' | 'video'; ptt: boolean; jobId?: string }): Promise<void> {
    if (this.active.value && this.active.value.phase.value !== 'ended') throw new Error('already in a call: hang up first');
    await this.enter(await CallSession.start(this.url, this.token, this.me, input));
  }

  async accept(callId: string): Promise<void> {
    this.answer(callId);
    await this.enter(CallSession.of(this.url, this.token, this.me, callId));
  }

  async decline(callId: string): Promise<void> {
    this.answer(callId);
    await CallSession.decline(this.url, this.token, callId);
  }

  /** After a reload mid-call: back into the call this tab was in (within the server's grace period). */
  async restore(): Promise<void> {
    const callId = CallSession.remembered();
    if (!callId) return;
    this.answer(callId);
    const session = CallSession.of(this.url, this.token, this.me, callId);
    await session.connect();
    // ended meanwhile, or the grace period passed: nothing to show
    this.active.value = session.phase.value === 'ended' ? undefined : session;
  }

  /** Shown from the start: joining, then live — or ended with the reason if joining failed. */
  private async enter(session: CallSession): Promise<void> {
    this.active.value = session;
    await session.connect();
  }

  dismiss(): void {
    this.active.value = undefined;
  }

  private answer(callId: string): void {
    this.answered.value = new Set([...this.answered.value, callId]);
  }
}
