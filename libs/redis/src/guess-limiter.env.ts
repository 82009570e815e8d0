import { type Constructor, EnvInt, EnvString } from '#libs/platform';

/** The guessing limits every app shares: window, lock length and the Redis namespace of the counts. */
export function withGuessLimitEnv<Base extends Constructor>(base: Base) {
  class GuessLimitEnv extends base {
    /** Failures are counted over this window (per account, device or address). */
    @EnvInt({ min: 1, max: 86_400 })
    GUESS_WINDOW_S: number = 900;

    /** The first lock; each further lock of the same subject within a day doubles it. */
    @EnvInt({ min: 1, max: 86_400 })
    GUESS_LOCK_S: number = 300;

    @EnvInt({ min: 1, max: 604_800 })
    GUESS_LOCK_MAX_S: number = 3600;

    /** Redis key namespace of the counts and locks: every instance of a deployment uses the same one. */
    @EnvString({ pattern: /^[A-Za-z0-9_.-]{1,64}$/, message: 'GUESS_NAMESPACE must be 1–64 letters, digits, _ . -' })
    GUESS_NAMESPACE: string = 'guess';
  }
  return GuessLimitEnv;
}

/** The policy of one limit from the shared settings and its number of attempts. */
export const guessPolicy = (env: { GUESS_WINDOW_S: number; GUESS_LOCK_S: number; GUESS_LOCK_MAX_S: number }, attempts: number) => ({
  attempts,
  windowMs: env.GUESS_WINDOW_S * 1000,
  lockMs: env.GUESS_LOCK_S * 1000,
  maxLockMs: Math.max(env.GUESS_LOCK_S, env.GUESS_LOCK_MAX_S) * 1000,
});
