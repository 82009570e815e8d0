import { type DynamicModule, Global, Module } from '@nestjs/common';

/**
 * Where code that reads the time gets it. An abstract class so Nest can inject it by type; the
 * system clock in production, a clock set to another moment where a test or a demo must run at an
 * edge (evening UTC, midnight, a month end) against the real app.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that moves only when told: tests set a moment (an edge: evening UTC, midnight, a month end) and advance it. */
export class ManualClock extends Clock {
  private at: number;

  constructor(start: Date | string | number) {
    super();
    this.at = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.at);
  }

  set(at: Date | string | number): void {
    this.at = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.at += ms;
  }
}

/** Reads `start` at the moment it is made and runs at real speed from there (like faketime's `@` mode). */
export class ShiftedClock extends Clock {
  private readonly offsetMs: number;

  constructor(
    start: Date,
    private readonly real: Clock = new SystemClock(),
  ) {
    super();
    this.offsetMs = start.getTime() - real.now().getTime();
  }

  now(): Date {
    return new Date(this.real.now().getTime() + this.offsetMs);
  }
}

/** The app's clock from its validated env: CLOCK_START shifts it (never in production, see BaseEnv). */
export function clockFromEnv(env: { CLOCK_START?: string }): Clock {
  return env.CLOCK_START ? new ShiftedClock(new Date(env.CLOCK_START)) : new SystemClock();
}

/** Provides `Clock` to every module of an app. */
@Global()
@Module({})
export class ClockModule {
  static forEnv(env: { CLOCK_START?: string }): DynamicModule {
    return { module: ClockModule, providers: [{ provide: Clock, useValue: clockFromEnv(env) }], exports: [Clock] };
  }
}
