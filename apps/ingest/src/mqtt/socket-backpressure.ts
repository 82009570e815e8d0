/** The slice of a socket the gate needs (net.Socket and the WebSocket stream both have it). */
export interface Pausable {
  pause(): unknown;
  resume(): unknown;
  destroyed?: boolean;
}

export interface BackpressureOptions {
  /** Producer fill level (0–1) at which publishing sockets stop being read. */
  high: number;
  /** Fill level under which every paused socket is read again. */
  low: number;
  pollMs: number;
}

/**
 * Bounds ingest memory when Kafka is slower than the devices: while the producer queue is above the
 * high-water mark, each socket that publishes is paused (so the busiest ones — those that publish
 * most — are the ones stopped, and TCP pushes back on the device); once the queue drains below the
 * low-water mark they are all read again. Nothing is dropped: paused data waits in the kernel and on
 * the device.
 */
export class SocketBackpressure {
  private readonly paused = new Set<Pausable>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pressure: () => number,
    private readonly options: BackpressureOptions,
    private readonly onChange: (paused: number) => void = () => undefined,
  ) {}

  /** Called for each publish, before its hand-off to Kafka. */
  observe(socket: Pausable | undefined): void {
    if (!socket || this.paused.has(socket) || this.pressure() < this.options.high) return;
    socket.pause();
    this.paused.add(socket);
    if (this.paused.size === 1) this.onChange(1); // report the transition, not every socket
    this.timer ??= setInterval(() => this.release(), this.options.pollMs);
  }

  get pausedCount(): number {
    return this.paused.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private release(): void {
    if (this.pressure() > this.options.low) return;
    for (const socket of this.paused) if (!socket.destroyed) socket.resume();
    this.paused.clear();
    this.onChange(0);
    this.stop();
  }
}
