// Devices publishing QoS 1 at a steady total rate, and what a failure test reports about them: which
// messages were acknowledged, the longest silence between two PUBACKs, how often a device lost its
// connection. Each phase of a test (before, during and after a kill) gets its own figures.
import mqtt from 'mqtt';

export interface PhaseFigures {
  label: string;
  published: number;
  /** Of the messages published in this phase. */
  acked: number;
  /** The longest time without any PUBACK during the phase, in ms (to its end while still silent). */
  longestGapMs: number;
  disconnects: number;
}

interface Phase extends PhaseFigures {
  lastAckAt: number;
}

export class PublishLoad {
  /** Every acknowledged message id, by the phase it was published in. */
  readonly ackedIds = new Map<string, string[]>();
  private readonly clients: { id: string; client: mqtt.MqttClient }[] = [];
  private timer?: NodeJS.Timeout;
  private sent = 0;
  private startedAt = 0;
  private outstanding = 0;
  private phase?: Phase;
  private readonly done: Phase[] = [];

  constructor(
    private readonly ratePerSecond: number,
    private readonly topicOf: (deviceId: string) => string,
    /** The n-th message's body (n counts every device's messages, from 0); a location near Berlin by default. */
    private readonly payloadOf: (messageId: string, n: number) => string = (messageId, n) => JSON.stringify({ lat: 52 + ((n + 1) % 1000) / 10_000, lon: 13, id: messageId }),
  ) {}

  async connect(url: string, devices: { id: string; secret: string }[]): Promise<void> {
    for (const d of devices) {
      const client = await mqtt.connectAsync(url, { clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: 500, clean: true });
      // 'close' is every loss of the connection, whoever ended it; our own end() comes after the figures
      client.on('close', () => {
        if (this.phase) this.phase.disconnects += 1;
      });
      this.clients.push({ id: d.id, client });
    }
  }

  /** Starts publishing (if it was not) and opens a phase; the previous phase's figures are kept. */
  begin(label: string): void {
    this.closePhase();
    this.phase = { label, published: 0, acked: 0, longestGapMs: 0, disconnects: 0, lastAckAt: Date.now() };
    this.ackedIds.set(label, []);
    if (this.timer) return;
    this.startedAt = Date.now();
    this.sent = 0;
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Stops publishing, waits for the outstanding acks (up to `timeoutMs`), and gives every phase's figures. */
  async stop(timeoutMs = 30_000): Promise<PhaseFigures[]> {
    clearInterval(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    while (this.outstanding > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.closePhase();
    this.phase = undefined;
    const figures = this.done.map(({ lastAckAt: _last, ...figures }) => figures);
    this.done.length = 0;
    return figures;
  }

  async close(): Promise<void> {
    this.phase = undefined;
    await Promise.all(this.clients.map(({ client }) => client.endAsync(true)));
  }

  private closePhase(): void {
    const phase = this.phase;
    if (!phase) return;
    phase.longestGapMs = Math.max(phase.longestGapMs, this.outstanding > 0 ? Date.now() - phase.lastAckAt : 0);
    this.done.push(phase);
  }

  private tick(): void {
    const due = Math.floor(((Date.now() - this.startedAt) * this.ratePerSecond) / 1000) - this.sent;
    for (let i = 0; i < Math.min(due, this.ratePerSecond); i++) this.publishOne();
  }

  private publishOne(): void {
    const phase = this.phase!;
    const { id, client } = this.clients[this.sent % this.clients.length]!;
    const messageId = `${phase.label}-${this.sent}`;
    const payload = this.payloadOf(messageId, this.sent);
    this.sent += 1;
    phase.published += 1;
    this.outstanding += 1;
    client.publish(this.topicOf(id), payload, { qos: 1 }, (error) => {
      this.outstanding -= 1;
      if (error) return;
      // the phase the message was published in counts it; the gap is measured in the phase running now
      this.ackedIds.get(phase.label)!.push(messageId);
      phase.acked += 1;
      const now = this.phase ?? phase;
      now.longestGapMs = Math.max(now.longestGapMs, Date.now() - now.lastAckAt);
      now.lastAckAt = Date.now();
    });
  }
}
