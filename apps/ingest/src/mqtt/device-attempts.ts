import { Inject, Injectable } from '@nestjs/common';
import { addressKey, GuessLimiter, type GuessPolicy, guessPolicy, RedisService } from '#libs/redis';
import type { IngestEnv } from '../ingest.env';

export const DEVICE_ATTEMPTS_OPTIONS = Symbol('DEVICE_ATTEMPTS_OPTIONS');

export interface DeviceAttemptsOptions {
  namespace: string;
  /** Per device id (the CONNECT's username, else its client id), known or not. */
  device: GuessPolicy;
  /** Per source address: many phones can share one carrier NAT address, so this budget is larger. */
  address: GuessPolicy;
}

export const deviceAttemptsOptions = (env: IngestEnv): DeviceAttemptsOptions => ({
  namespace: env.GUESS_NAMESPACE,
  device: guessPolicy(env, env.GUESS_MQTT_PER_DEVICE),
  address: guessPolicy(env, env.GUESS_MQTT_PER_ADDRESS),
});

/** The longest a refused CONNECT is held before its CONNACK. */
export const MAX_SLOWDOWN_MS = 10_000;
/** Failures from one address answered at once before each further one waits longer. */
const FREE_FAILURES = 5;

/**
 * How long to hold a refusal: nothing for the first few failures from an address, then doubling from
 * 500 ms to 10 s; a locked subject waits the most (never longer than its lock). Pure.
 */
export function slowdownMs(addressFailures: number, lockedMs = 0): number {
  if (lockedMs > 0) return Math.min(MAX_SLOWDOWN_MS, lockedMs);
  if (addressFailures <= FREE_FAILURES) return 0;
  return Math.min(MAX_SLOWDOWN_MS, 250 * 2 ** Math.min(6, addressFailures - FREE_FAILURES));
}

const deviceOf = (deviceId: string) => ({ kind: 'mqtt:device', id: deviceId });
const addressOf = (address: string) => ({ kind: 'mqtt:address', id: addressKey(address) });

/** Failed MQTT CONNECTs, counted in Redis per device id and per address across every ingest instance. */
@Injectable()
export class DeviceAttempts {
  private readonly limiter: GuessLimiter;

  constructor(redis: RedisService, @Inject(DEVICE_ATTEMPTS_OPTIONS) private readonly options: DeviceAttemptsOptions) {
    this.limiter = new GuessLimiter(redis, options.namespace);
  }

  /** Milliseconds left on the device's or the address's lock; 0 when neither is locked. */
  lockedFor(deviceId: string, address: string | undefined): Promise<number> {
    return this.limiter.lockedFor([deviceOf(deviceId), ...(address ? [addressOf(address)] : [])]);
  }

  /** Counts a refused CONNECT; answers the address's failures so far and the lock this one set (0: none). */
  /** Without a known address (it never is unknown on TCP), only the device is counted: never one shared key for all. */
  async failed(deviceId: string, address: string | undefined): Promise<{ addressFailures: number; lockedMs: number }> {
    const [byAddress, byDevice] = await Promise.all([
      address ? this.limiter.fail(addressOf(address), this.options.address) : undefined,
      deviceId ? this.limiter.fail(deviceOf(deviceId), this.options.device) : undefined,
    ]);
    return { addressFailures: byAddress?.failures ?? 0, lockedMs: Math.max(byAddress?.lockedMs ?? 0, byDevice?.lockedMs ?? 0) };
  }

  succeeded(deviceId: string): Promise<void> {
    return this.limiter.reset(deviceOf(deviceId));
  }
}
