/**
 * Geofence enter/exit with hysteresis, per subject and fence. GPS jitter near a boundary must never
 * flap (Traccar #2189, #3609), so a fix is evidence only when it is clearly inside (at least `marginM`
 * within the boundary) or clearly outside (at least `marginM` beyond it), and a change of side is
 * confirmed only after the evidence held for `dwellMs` of device time. Fixes in the band between are
 * no evidence either way; fixes too inaccurate to tell are ignored; late fixes never go back in time.
 */

export interface HysteresisConfig {
  marginM: number;
  dwellMs: number;
  /** Fixes with a worse reported accuracy are not evidence. */
  maxAccuracyM: number;
}

export interface FenceState {
  inside: boolean;
  /** Device time of the newest fix considered (epoch ms). */
  at: number;
  /** Evidence for the other side, since this device time. */
  pendingSince?: number;
}

export interface FenceFix {
  at: number;
  /** Signed distance to the boundary: negative inside. */
  signedDistanceM: number;
  accuracyM?: number;
}

export interface FenceStep {
  state: FenceState;
  /** Confirmed this step; `at` is when the subject was first seen clearly on the new side. */
  transition?: { kind: 'entered' | 'exited'; at: number };
}

/** Everyone starts outside: a subject first seen inside a fence enters it once the dwell holds. */
export const initialFenceState: FenceState = { inside: false, at: 0 };

export function stepFence(state: FenceState, fix: FenceFix, config: HysteresisConfig): FenceStep {
  if (fix.at <= state.at) return { state };
  const base: FenceState = { inside: state.inside, at: fix.at, ...(state.pendingSince === undefined ? {} : { pendingSince: state.pendingSince }) };
  if (fix.accuracyM !== undefined && fix.accuracyM > config.maxAccuracyM) return { state: base };

  const clearlyInside = fix.signedDistanceM <= -config.marginM;
  const clearlyOutside = fix.signedDistanceM >= config.marginM;
  if (!clearlyInside && !clearlyOutside) return { state: base };

  if (clearlyInside === state.inside) return { state: { inside: state.inside, at: fix.at } };

  const since = state.pendingSince ?? fix.at;
  if (fix.at - since >= config.dwellMs) {
    return { state: { inside: clearlyInside, at: fix.at }, transition: { kind: clearlyInside ? 'entered' : 'exited', at: since } };
  }
  return { state: { inside: state.inside, at: fix.at, pendingSince: since } };
}
