/**
 * A small seeded PRNG (mulberry32) for the fuzz lanes: the same seed gives the same cases, so a failure
 * is replayed with `FUZZ_SEED=<seed> npm test -- <spec>`. The seed is printed by whoever draws one.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** `FUZZ_SEED` when given (to replay a run), else a fresh one. */
  static fromEnv(): SeededRandom {
    const given = Number(process.env.FUZZ_SEED);
    return new SeededRandom(Number.isInteger(given) && given > 0 ? given : 1 + Math.floor(Math.random() * 0x7fffffff));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** Printable ASCII, with some quotes, braces and backslashes (what breaks parsers). */
  text(length: number): string {
    const alphabet = 'abcXYZ019 _-.:/{}[]",\\\'\u00e9\u4e2d\u{1f600}\t';
    return Array.from({ length }, () => this.pick([...alphabet])).join('');
  }

  /** A JSON value of random shape, up to `depth` levels. */
  json(depth = 3): unknown {
    const kind = this.int(0, depth > 0 ? 7 : 4);
    switch (kind) {
      case 0: return null;
      case 1: return this.next() < 0.5;
      case 2: return this.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, this.int(-1e6, 1e6), this.next()]);
      case 3: return this.text(this.int(0, 40));
      case 4: return this.pick(['', 'jobs', '__proto__', 'constructor', 'x'.repeat(300)]);
      case 5:
      case 6: return Object.fromEntries(Array.from({ length: this.int(0, 4) }, () => [this.pick(['event', 'data', 'streams', 'token', 'jobId', 'text', '__proto__', this.text(6)]), this.json(depth - 1)]));
      default: return Array.from({ length: this.int(0, 4) }, () => this.json(depth - 1));
    }
  }
}
