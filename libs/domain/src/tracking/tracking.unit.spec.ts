import { haversineM, type LatLon, signedDistanceToFenceM } from './geo';
import { type FenceState, type HysteresisConfig, initialFenceState, stepFence } from './geofence-hysteresis';
import { etaChanged, etaSeconds, recentSpeed } from './tracking';

const center: LatLon = { lat: 52.52, lon: 13.405 };
const circle = { kind: 'circle' as const, center, radiusM: 100 };
const config: HysteresisConfig = { marginM: 20, dwellMs: 30_000, maxAccuracyM: 100 };
/** A point `m` metres north of the center. */
const north = (m: number): LatLon => ({ lat: center.lat + m / 111_195, lon: center.lon });

function run(distancesM: number[], stepMs = 5_000, cfg = config) {
  let state: FenceState = initialFenceState;
  const transitions: { kind: string; at: number }[] = [];
  distancesM.forEach((d, i) => {
    const step = stepFence(state, { at: i * stepMs, signedDistanceM: signedDistanceToFenceM(north(d), circle) }, cfg);
    state = step.state;
    if (step.transition) transitions.push(step.transition);
  });
  return { state, transitions };
}

describe('geodesy', () => {
  it('haversine: one degree of latitude is about 111.2 km', () => {
    expect(haversineM({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_195, -1);
  });

  it('signed distance: negative inside, positive outside, for circles and polygons', () => {
    expect(signedDistanceToFenceM(north(50), circle)).toBeCloseTo(-50, 0);
    expect(signedDistanceToFenceM(north(150), circle)).toBeCloseTo(50, 0);
    const square = {
      kind: 'polygon' as const,
      points: [north(-100), north(100), { lat: north(100).lat, lon: center.lon + 0.003 }, { lat: north(-100).lat, lon: center.lon + 0.003 }],
    };
    // 0.003° of longitude at 52.52° is about 203 m: the center is on the west edge; inside 10 m east of it.
    expect(signedDistanceToFenceM({ lat: center.lat, lon: center.lon + 0.0001 }, square)).toBeLessThan(0);
    expect(signedDistanceToFenceM({ lat: center.lat, lon: center.lon - 0.0001 }, square)).toBeGreaterThan(0);
    expect(Math.abs(signedDistanceToFenceM(north(120), square))).toBeCloseTo(20, 0);
  });
});

describe('geofence hysteresis', () => {
  it('a track jittering ±15 m around the boundary on the way in and out gives one enter and one exit', () => {
    const approach = [400, 300, 200, 120, 110, 95, 108, 92, 105, 97];
    const inside = [60, 40, 30, 35, 45, 50, 40, 30, 35, 40, 45];
    const leave = [90, 104, 96, 110, 93, 115, 130, 160, 200, 300, 400, 500, 600, 700];
    const { transitions, state } = run([...approach, ...inside, ...leave]);
    expect(transitions.map((t) => t.kind)).toEqual(['entered', 'exited']);
    expect(state.inside).toBe(false);
    // the enter is dated when the subject was first clearly inside, not when it was confirmed
    expect(transitions[0]!.at).toBe(approach.length * 5_000);
  });

  it('without a margin the same jitter would flap: the margin is what prevents it', () => {
    const jitter = [110, 95, 108, 92, 105, 97, 110, 95, 108, 92];
    expect(run(jitter, 40_000, { ...config, marginM: 0, dwellMs: 0 }).transitions.length).toBeGreaterThan(4);
    expect(run(jitter, 40_000).transitions).toEqual([]);
  });

  it('a short visit inside (shorter than the dwell) is not an enter', () => {
    expect(run([300, 50, 50, 300, 300]).transitions).toEqual([]);
  });

  it('late fixes and inaccurate fixes are no evidence', () => {
    let step = stepFence(initialFenceState, { at: 100_000, signedDistanceM: -50 }, config);
    step = stepFence(step.state, { at: 200_000, signedDistanceM: -50 }, config);
    expect(step.transition?.kind).toBe('entered');
    const late = stepFence(step.state, { at: 150_000, signedDistanceM: 500 }, config);
    expect(late.state).toEqual(step.state);
    const blurry = stepFence(step.state, { at: 300_000, signedDistanceM: 500, accuracyM: 1_000 }, config);
    expect(blurry.state.pendingSince).toBeUndefined();
    expect(blurry.state.inside).toBe(true);
  });
});

describe('ETA', () => {
  const eta = { minSpeedMps: 3, detourFactor: 1.3 };
  it('distance × detour / recent speed, with a floor for a stopped vehicle', () => {
    const to = north(1_000);
    expect(etaSeconds(center, to, 10, eta)).toBe(Math.round((1_000 * 1.3) / 10));
    expect(etaSeconds(center, to, 0, eta)).toBe(Math.round((1_000 * 1.3) / 3));
    expect(etaSeconds(center, to, undefined, eta)).toBe(Math.round((1_000 * 1.3) / 3));
  });

  it('recent speed is smoothed; only meaningful ETA changes are told', () => {
    expect(recentSpeed(undefined, 10)).toBe(10);
    expect(recentSpeed(10, 0)).toBeCloseTo(7);
    expect(recentSpeed(10, undefined)).toBe(10);
    expect(etaChanged(undefined, 100)).toBe(true);
    expect(etaChanged(600, 640)).toBe(false);
    expect(etaChanged(600, 700)).toBe(true);
    expect(etaChanged(6_000, 6_100)).toBe(false);
  });
});
