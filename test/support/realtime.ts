import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Role } from '#libs/platform';
import { RealtimeClient, type RealtimeClientOptions, type ServerFrames, type SocketLike, type StreamName } from '#libs/realtime-client';
import { type AppProcess, stackEnv, startAppProcess } from './app-process';
import { TEST_TOKEN_KEY } from './token-keys';

export function startGateway(env: Record<string, string> = {}): Promise<AppProcess> {
  return startAppProcess('realtime', {
    ...stackEnv(),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    JWT_PUBLIC_KEYS_FILE: TEST_TOKEN_KEY.publicKeysFile,
    REALTIME_HEARTBEAT_S: '2',
    PRESENCE_TTL_S: '3',
    REALTIME_NODE_ID: `node-${randomUUID().slice(0, 6)}`,
    ...env,
  });
}

export const wsUrl = (app: AppProcess) => `${app.url.replace(/^http/, 'ws')}/ws`;

/** An access token as the API issues it (same claims, same key as startApi's). */
export function token(claims: { tenantId: string; userId: string; role: string; technicianId?: string }, expiresInS = 900, signer = TEST_TOKEN_KEY.signer): string {
  return signer.sign({ sub: claims.userId, tid: claims.tenantId, role: claims.role as Role, ...(claims.technicianId ? { tech: claims.technicianId } : {}) }, expiresInS);
}

/** A client kit instance recording everything it receives. */
export class Recorder {
  readonly client: RealtimeClient;
  readonly frames: { event: keyof ServerFrames; data: any }[] = [];
  readonly closes: string[] = [];

  constructor(url: string, bearer: string, streams: StreamName[], extra: Partial<RealtimeClientOptions> = {}) {
    this.client = new RealtimeClient({
      url,
      token: () => bearer,
      streams,
      WebSocket: WebSocket as unknown as new (url: string) => SocketLike,
      backoff: { baseMs: 50, maxMs: 500 },
      ...extra,
    });
    for (const event of ['subscribed', 'feed', 'reload', 'positions', 'presence', 'presence.snapshot', 'typing', 'authenticated', 'chat.sent', 'error'] as const) {
      this.client.on(event, (data) => this.frames.push({ event, data }));
    }
    this.client.on('state', (state, detail) => state === 'reconnecting' && detail && this.closes.push(detail));
  }

  start(): this {
    this.client.connect();
    return this;
  }

  of<E extends keyof ServerFrames>(event: E): ServerFrames[E][] {
    return this.frames.filter((f) => f.event === event).map((f) => f.data);
  }

  feed(kind?: string) {
    return this.of('feed').filter((f) => !kind || f.kind === kind);
  }

  async until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames.slice(-5))} closes: ${this.closes.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): void {
    this.client.close();
  }
}

/** A raw socket, for what the client kit would never send. */
export function rawSocket(url: string): Promise<{ socket: WebSocket; frames: any[]; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(url);
  const frames: any[] = [];
  socket.on('message', (m) => frames.push(JSON.parse(m.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    socket.on('open', () => resolve({ socket, frames, closed }));
    socket.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.on('error', reject);
  });
}
