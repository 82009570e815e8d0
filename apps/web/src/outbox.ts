// What the technician does with a bad signal: status changes, notes and proof images wait in
// IndexedDB (surviving a reload or a closed tab) and go out one at a time, in the order they were
// made, when the network is back. Each keeps the Idempotency-Key it was given when made, so a request
// that reached the API but whose answer was lost is replayed there, not applied twice.
import { ApiError, type Session } from './session';

export interface OutboxEntry {
  seq?: number;
  /** The user who made it: only their session sends it. */
  userId: string;
  jobId: string;
  kind: 'status' | 'note' | 'proof';
  /** What the person sees while it waits ("En route", the note's text, "Photo"). */
  label: string;
  path: string;
  /** JSON, or the image (Blob). */
  body?: unknown;
  idempotencyKey: string;
  createdAt: string;
}

const DB = 'fieldline-outbox';
const STORE = 'entries';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function run<T>(db: IDBDatabase, mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
  });
}

/** Worth sending again later: no network, rate limited, a server or dependency away, a race or the first try still running. */
export function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  const { status, code } = error;
  return status === 0 || status === 408 || status === 429 || status >= 500 || (status === 409 && (code === undefined || /CONFLICT/.test(code)));
}

export class Outbox {
  private db?: Promise<IDBDatabase>;
  private flushing?: Promise<void>;
  private timer?: ReturnType<typeof setInterval>;
  private readonly onOnline = () => void this.flush();

  constructor(
    private readonly session: Session,
    /** Called whenever the queue changes (sent, added, dropped). */
    private readonly changed: (pending: OutboxEntry[]) => void,
    /** A command the API refused for good (e.g. the job was reassigned meanwhile): dropped, and said. */
    private readonly refused: (entry: OutboxEntry, error: ApiError) => void,
  ) {}

  start(): void {
    window.addEventListener('online', this.onOnline);
    this.timer = setInterval(() => void this.flush(), 15_000);
    void this.flush();
  }

  stop(): void {
    window.removeEventListener('online', this.onOnline);
    clearInterval(this.timer);
  }

  async add(entry: Omit<OutboxEntry, 'userId' | 'idempotencyKey' | 'createdAt'>): Promise<void> {
    const full: OutboxEntry = { ...entry, userId: this.session.me.userId, idempotencyKey: crypto.randomUUID(), createdAt: new Date().toISOString() };
    await run(await this.database(), 'readwrite', (s) => s.add(full));
    await this.publish();
    void this.flush();
  }

  async pending(): Promise<OutboxEntry[]> {
    const all = await run<OutboxEntry[]>(await this.database(), 'readonly', (s) => s.getAll());
    return all.filter((e) => e.userId === this.session.me.userId).sort((a, b) => a.seq! - b.seq!);
  }

  /** Sends the queue in order, one at a time; stops at the first that must wait (the rest wait behind it, keeping the order). */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const [next] = await this.pending();
      if (!next) return;
      try {
        await this.session.post(next.path, next.body, { 'idempotency-key': next.idempotencyKey });
      } catch (error) {
        if (retryable(error)) return;
        this.refused(next, error as ApiError);
      }
      await run(await this.database(), 'readwrite', (s) => s.delete(next.seq!));
      await this.publish();
    }
  }

  private async publish(): Promise<void> {
    this.changed(await this.pending());
  }

  private database(): Promise<IDBDatabase> {
    this.db ??= open();
    return this.db;
  }
}
