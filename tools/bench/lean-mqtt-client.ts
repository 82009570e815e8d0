// A lean MQTT 3.1.1 client for load generation: CONNECT, QoS 1 PUBLISH and its PUBACK over plain TCP, and
// nothing else. It exists so the load generator stays cheap: on a 2-core machine that it shares with the
// broker, 5,000 mqtt.js clients at 10,000 msg/s took ~40 % of a core and stalled its own event loop for
// tens of milliseconds at a time, and those stalls read as broker latency. Each publish here is one
// buffer and one write; an ack is four bytes read off the socket.
import { connect, type Socket } from 'node:net';

export interface LeanConnectOptions {
  clientId: string;
  username: string;
  password: string;
  /** Seconds; 0 turns keepalive off. */
  keepalive: number;
}

type Done = (error?: Error) => void;

const lengthBytes = (n: number): number[] => {
  const bytes: number[] = [];
  do {
    const byte = n % 128;
    n = Math.floor(n / 128);
    bytes.push(n > 0 ? byte | 0x80 : byte);
  } while (n > 0);
  return bytes;
};

const utf8 = (s: string): Buffer => {
  const text = Buffer.from(s);
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(text.length, 0);
  text.copy(out, 2);
  return out;
};

const packet = (firstByte: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([firstByte, ...lengthBytes(body.length)]), body]);

const CONNACK = 2;
const PUBACK = 4;

export class LeanMqttClient {
  private readonly inflight = new Map<number, Done>();
  private nextId = 0;
  private unread: Buffer | undefined;
  private topic = '';
  private topicBytes: Buffer = Buffer.alloc(0);
  private connected?: { resolve: () => void; reject: (error: Error) => void };
  private failure?: Error;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, host: string, options: LeanConnectOptions): Promise<LeanMqttClient> {
    const client = new LeanMqttClient(connect(port, host));
    const flags = 0x02 | 0x80 | 0x40; // clean session, username, password
    const header = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, flags, options.keepalive >> 8, options.keepalive & 0xff]);
    const body = Buffer.concat([header, utf8(options.clientId), utf8(options.username), utf8(options.password)]);
    return new Promise((resolve, reject) => {
      client.connected = { resolve: () => resolve(client), reject };
      client.socket.write(packet(0x10, body));
    });
  }

  /** A QoS 1 publish; `done` is called on its PUBACK, or with the error that ended the connection. */
  publish(topic: string, payload: string, done: Done): void {
    if (this.failure) return done(this.failure);
    if (this.inflight.size === 0xffff) return done(new Error('65,535 publishes in flight: no packet id left'));
    if (topic !== this.topic) [this.topic, this.topicBytes] = [topic, utf8(topic)];
    do this.nextId = (this.nextId % 0xffff) + 1;
    while (this.inflight.has(this.nextId));
    const payloadLength = Buffer.byteLength(payload);
    const remaining = this.topicBytes.length + 2 + payloadLength;
    const length = lengthBytes(remaining);
    const out = Buffer.allocUnsafe(1 + length.length + remaining);
    out[0] = 0x32; // PUBLISH, QoS 1
    let at = 1;
    for (const byte of length) out[at++] = byte;
    at += this.topicBytes.copy(out, at);
    out.writeUInt16BE(this.nextId, at);
    out.write(payload, at + 2);
    this.inflight.set(this.nextId, done);
    this.socket.write(out);
  }

  publishAsync(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => this.publish(topic, payload, (error) => (error ? reject(error) : resolve())));
  }

  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end(Buffer.from([0xe0, 0])); // DISCONNECT
    });
  }

  private read(chunk: Buffer): void {
    let data = this.unread ? Buffer.concat([this.unread, chunk]) : chunk;
    while (data.length >= 2) {
      // Fixed header: the type, then the remaining length in 1–4 bytes of 7 bits each.
      let length = 0;
      let at = 1;
      let complete = false;
      for (let multiplier = 1; at < data.length && at <= 4; multiplier *= 128) {
        const byte = data[at++]!;
        length += (byte & 0x7f) * multiplier;
        if (!(byte & 0x80)) {
          complete = true;
          break;
        }
      }
      if (!complete || data.length < at + length) break;
      const type = data[0]! >> 4;
      if (type === PUBACK) this.acked(data.readUInt16BE(at));
      else if (type === CONNACK) this.connack(data[at + 1]!);
      data = data.subarray(at + length);
    }
    this.unread = data.length > 0 ? data : undefined;
  }

  private acked(id: number): void {
    const done = this.inflight.get(id);
    this.inflight.delete(id);
    done?.();
  }

  private connack(code: number): void {
    const connected = this.connected;
    this.connected = undefined;
    if (code === 0) return connected?.resolve();
    connected?.reject(new Error(`CONNACK refused with return code ${code}`));
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.connected?.reject(error);
    this.connected = undefined;
    const waiting = [...this.inflight.values()];
    this.inflight.clear();
    for (const done of waiting) done(error);
  }
}
