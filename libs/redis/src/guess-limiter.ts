import { isIPv6 } from 'node:net';
import { createHash } from 'node:crypto';
import type { RedisService } from './redis.service';

/** How many failures a subject may have in a window before it is locked, and for how long. */
export interface GuessPolicy {
  /** Failures within `windowMs` that lock the subject (the last one still gets its ordinary refusal). */
  attempts: number;
  windowMs: number;
  /** The first lock; each further lock of the same subject (within a day) doubles it, up to `maxLockMs`. */
  lockMs: number;
  maxLockMs: number;
}

/** What is being guessed at and by whom: `login:account`, `login:address`, `mqtt:device` … and its id. */
export interface GuessSubject {
  kind: string;
  id: string;
}

export interface GuessFailure {
  /** Failures counted in the current window (0 when the subject was already locked). */
  failures: number;
  /** This failure locked the subject for this long; 0 when it did not. */
  lockedMs: number;
}

/** How long a subject remembers its locks, so that a second lockout lasts longer than the first. */
const STRIKE_MEMORY_MS = 86_400_000;
const MAX_STRIKES = 16;

/** The lock after each strike (first lockout, second …): doubling from lockMs, capped at maxLockMs. Pure. */
export function lockSchedule(policy: Pick<GuessPolicy, 'lockMs' | 'maxLockMs'>): number[] {
  const max = Math.max(policy.lockMs, policy.maxLockMs);
  const schedule: number[] = [];
  for (let strike = 0; strike < MAX_STRIKES; strike++) {
    const ms = Math.min(max, policy.lockMs * 2 ** strike);
    schedule.push(ms);
    if (ms === max) break;
  }
  return schedule;
}

/** Whole seconds to announce in Retry-After for a lock with `ms` left (never 0 while locked). Pure. */
/**
 * The key a client address is counted under: an IPv4 address as it is (IPv4-mapped IPv6 unwrapped), an
 * IPv6 address by its /64 — one subscriber holds a whole /64, and counting each of its 2^64 addresses
 * apart would let it guess without limit.
 */
export function addressKey(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...front, ...Array(8 - front.length - back.length).fill('0'), ...back] : front;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

// The lock every script below ends in: the count cleared, a strike added, the lock set for that
// strike's length (ARGV[1] = attempts, ARGV[2] = window, ARGV[3] = strike memory, ARGV[4…] = the schedule).
const lockThen = (answer: string) => `
redis.call('DEL', KEYS[1])
local strike = redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
local ms = tonumber(ARGV[3 + math.min(strike, #ARGV - 3)])
redis.call('SET', KEYS[2], strike, 'PX', ms)
return ${answer}`;

// One failure, atomically: a locked subject is not counted again; the failure that reaches the limit locks.
const FAIL = `
local left = redis.call('PTTL', KEYS[2])
if left > 0 then return { 0, 0 } end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n < tonumber(ARGV[1]) then return { n, 0 } end${lockThen('{ n, ms }')}`;

// An attempt counted before its credentials are checked (admit): a locked subject is refused; an
// attempt past the budget — concurrent ones that all passed a lock check made before any of them had
// failed — locks the subject at once and is refused.
const ADMIT = `
local left = redis.call('PTTL', KEYS[2])
if left > 0 then return { left, 0 } end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n <= tonumber(ARGV[1]) then return { 0, n } end${lockThen('{ ms, n }')}`;

// An admitted attempt that failed (it is counted already): the one that reached the limit locks.
const ADMITTED_FAILED = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n < tonumber(ARGV[1]) then return { n, 0 } end${lockThen('{ n, ms }')}`;

// An admitted attempt that succeeded, for a subject whose failures are not forgiven by it (an
// address): its advance count is taken back.
const ADMITTED_SUCCEEDED = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return n`;

/**
 * Counts failed credential checks per subject in Redis, so every process of every app shares the same
 * counts and locks. Ids are hashed into the keys: no emails or device ids at rest in Redis, and a key
 * stays short whatever a client sends. The three keys of a subject share a hash tag (one cluster slot).
 */
export class GuessLimiter {
  constructor(
    private readonly redis: RedisService,
    /** Key namespace: instances that share locks use the same one (tests use their own). */
    private readonly namespace = 'guess',
  ) {}

  /** The longest lock among `subjects`, in ms; 0 when none is locked. */
  async lockedFor(subjects: readonly GuessSubject[]): Promise<number> {
    const left = await Promise.all(subjects.map((s) => this.redis.client.pttl(this.keys(s).lock)));
    return Math.max(0, ...left);
  }

  async fail(subject: GuessSubject, policy: GuessPolicy): Promise<GuessFailure> {
    const [failures, lockedMs] = await this.run(FAIL, subject, policy);
    return { failures, lockedMs };
  }

  /**
   * Counts an attempt on each subject before its credentials are checked, so that concurrent guesses
   * cannot all pass a lock check made before any of them failed: at most `attempts` are ever checked.
   * Answers the longest lock (the attempt is refused, and its advance counts taken back); 0: go on,
   * then report the outcome with `admittedFailed` or `admittedSucceeded`.
   */
  async admit(subjects: readonly { subject: GuessSubject; policy: GuessPolicy }[]): Promise<number> {
    const answers = await Promise.all(subjects.map(({ subject, policy }) => this.run(ADMIT, subject, policy)));
    const lockedMs = Math.max(0, ...answers.map(([ms]) => ms));
    if (lockedMs > 0) await Promise.all(subjects.filter((_, i) => answers[i]![0] === 0).map(({ subject }) => this.takeBack(subject)));
    return lockedMs;
  }

  async admittedFailed(subject: GuessSubject, policy: GuessPolicy): Promise<GuessFailure> {
    const [failures, lockedMs] = await this.run(ADMITTED_FAILED, subject, policy);
    return { failures, lockedMs };
  }

  /** An admitted attempt succeeded: its advance count is taken back (use `reset` to forgive the subject's failures). */
  async admittedSucceeded(subject: GuessSubject): Promise<void> {
    await this.takeBack(subject);
  }

  private async takeBack(subject: GuessSubject): Promise<void> {
    await this.redis.client.eval(ADMITTED_SUCCEEDED, 1, this.keys(subject).count);
  }

  private async run(script: string, subject: GuessSubject, policy: GuessPolicy): Promise<[number, number]> {
    const { count, lock, strikes } = this.keys(subject);
    return (await this.redis.client.eval(script, 3, count, lock, strikes, policy.attempts, policy.windowMs, STRIKE_MEMORY_MS, ...lockSchedule(policy))) as [number, number];
  }

  /** A success: the subject's failures are forgiven (its strikes are not, so the next lock is longer). */
  async reset(subject: GuessSubject): Promise<void> {
    await this.redis.client.del(this.keys(subject).count);
  }

  private keys(subject: GuessSubject) {
    const digest = createHash('sha256').update(subject.id).digest('base64url').slice(0, 32);
    const base = `${this.namespace}:{${subject.kind}:${digest}}`;
    return { count: `${base}:n`, lock: `${base}:lock`, strikes: `${base}:strikes` };
  }
}
