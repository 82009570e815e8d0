import { createHash } from 'node:crypto';
import type { DeadLetterCode, EventData } from '#libs/events';
import type { KnownDevice } from '../devices/device.repository';

// Turns what devices publish into telemetry events. Two dialects:
//
//   fieldline/v1/{deviceId}/location  {"lat":52.52,"lon":13.40,"ts":"2031-05-04T08:00:00Z","acc":5,"alt":34,"spd":8.3,"hdg":270,"batt":81,"id":"m-17"}
//   fieldline/v1/{deviceId}/reading   {"sensor":"boiler_temp","value":71.5,"unit":"C","ts":"…","id":"m-18"}
//   fieldline/v1/{deviceId}/status    {"status":"ignition_off","ts":"…","id":"m-19"}
//   owntracks/{user}/{device}         OwnTracks JSON as the app sends it (_type location; tst epoch seconds)
//
// `ts` (ISO 8601 or epoch seconds) is the device's time and stays the event time however late it
// arrives. `id` is optional; without it the message id is derived from device, time and payload, so a
// device's retry of the same fix maps to the same id and is dropped downstream.

export type Mapped =
  | { ok: true; type: 'telemetry.location_reported' | 'telemetry.reading_reported' | 'telemetry.status_reported'; data: EventData<'telemetry.location_reported'> | EventData<'telemetry.reading_reported'> | EventData<'telemetry.status_reported'>; occurredAt: Date }
  | { ok: true; type: 'ignored'; reason: string }
  | { ok: false; code: DeadLetterCode; reason: string };

export interface MapperLimits {
  /** How far ahead of our clock a device time may be (clock drift), in seconds. */
  maxFutureSkewS: number;
  /** How old a fix may be and still be accepted (store-and-forward devices), in seconds. */
  maxAgeS: number;
}

type Json = Record<string, unknown>;

const fail = (code: DeadLetterCode, reason: string): Mapped => ({ ok: false, code, reason });
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function mapMessage(topic: string, payload: Buffer, device: KnownDevice, now: Date, limits: MapperLimits): Mapped {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    return fail('malformed_json', `payload is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('invalid_payload', 'payload must be a JSON object');
  const json = body as Json;
  if (topic.startsWith('owntracks/')) return mapOwnTracks(json, payload, device, now, limits);
  const kind = topic.split('/')[3];
  const time = deviceTime(json.ts, now, limits);
  if (!time.ok) return time;
  const messageId = typeof json.id === 'string' && json.id.length > 0 && json.id.length <= 200 ? json.id : derivedId(device.deviceId, time.at, payload);
  switch (kind) {
    case 'location':
      return location(device, json.lat, json.lon, time.at, messageId, 'mqtt', {
        accuracyM: num(json.acc),
        altitudeM: num(json.alt),
        speedMps: num(json.spd),
        headingDeg: num(json.hdg),
        batteryPct: num(json.batt),
      });
    case 'reading': {
      if (typeof json.sensor !== 'string' || json.sensor.length === 0) return fail('invalid_payload', 'reading needs "sensor" (a string)');
      if (num(json.value) === undefined) return fail('invalid_payload', 'reading needs "value" (a number)');
      if (typeof json.unit !== 'string' || json.unit.length === 0 || json.unit.length > 32) return fail('invalid_payload', 'reading needs "unit" (1–32 characters)');
      const subjectId = device.technicianId ?? device.assetId ?? undefined;
      return { ok: true, type: 'telemetry.reading_reported', data: { deviceId: device.deviceId, ...(subjectId ? { subjectId } : {}), sensor: json.sensor, value: json.value as number, unit: json.unit, messageId }, occurredAt: time.at };
    }
    case 'status':
      if (typeof json.status !== 'string' || json.status.length === 0 || json.status.length > 200) return fail('invalid_payload', 'status needs "status" (1–200 characters)');
      return { ok: true, type: 'telemetry.status_reported', data: { deviceId: device.deviceId, status: json.status, messageId }, occurredAt: time.at };
    default:
      return fail('unsupported_message', `unknown message kind "${kind}" (expected location, reading or status)`);
  }
}

function mapOwnTracks(json: Json, payload: Buffer, device: KnownDevice, now: Date, limits: MapperLimits): Mapped {
  const type = json._type;
  if (type === 'transition') return mapTransition(json, payload, device, now, limits);
  // lwt is the broker's notice that the phone vanished (presence covers it); waypoints, cards … carry
  // nothing we track. Acknowledged so the app does not resend them.
  if (type !== 'location') return { ok: true, type: 'ignored', reason: `OwnTracks _type ${String(type)} is not tracked` };
  const time = deviceTime(json.tst, now, limits);
  if (!time.ok) return time;
  const speedKmh = num(json.vel);
  const cog = num(json.cog);
  return location(device, json.lat, json.lon, time.at, derivedId(device.deviceId, time.at, payload), 'owntracks', {
    accuracyM: num(json.acc),
    altitudeM: num(json.alt),
    speedMps: speedKmh === undefined ? undefined : speedKmh / 3.6,
    headingDeg: cog === undefined ? undefined : cog % 360,
    batteryPct: num(json.batt),
  });
}

/** OwnTracks' own geofence (region) enter/leave, as a device status: `geofence_enter:<region>`. */
function mapTransition(json: Json, payload: Buffer, device: KnownDevice, now: Date, limits: MapperLimits): Mapped {
  if (json.event !== 'enter' && json.event !== 'leave') return fail('invalid_payload', 'transition needs "event": "enter" or "leave"');
  const time = deviceTime(json.tst, now, limits);
  if (!time.ok) return time;
  const region = typeof json.desc === 'string' && json.desc.length > 0 ? json.desc.slice(0, 150) : 'unnamed';
  return { ok: true, type: 'telemetry.status_reported', data: { deviceId: device.deviceId, status: `geofence_${json.event}:${region}`, messageId: derivedId(device.deviceId, time.at, payload) }, occurredAt: time.at };
}

function location(device: KnownDevice, lat: unknown, lon: unknown, at: Date, messageId: string, source: 'mqtt' | 'owntracks' | 'osmand', extra: Record<string, number | undefined>): Mapped {
  const la = num(lat);
  const lo = num(lon);
  if (la === undefined || lo === undefined) return fail('invalid_payload', 'location needs numeric "lat" and "lon"');
  if (la < -90 || la > 90 || lo < -180 || lo > 180) return fail('invalid_payload', `lat/lon out of range: ${la}, ${lo}`);
  const subjectId = device.technicianId ?? device.assetId ?? device.deviceId;
  const defined = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined && v >= 0));
  if (defined.batteryPct !== undefined && defined.batteryPct > 100) delete defined.batteryPct;
  if (extra.altitudeM !== undefined) defined.altitudeM = extra.altitudeM; // altitude may be negative
  return { ok: true, type: 'telemetry.location_reported', data: { deviceId: device.deviceId, subjectId, lat: la, lon: lo, ...defined, source, messageId } as EventData<'telemetry.location_reported'>, occurredAt: at };
}

function deviceTime(value: unknown, now: Date, limits: MapperLimits): { ok: true; at: Date } | { ok: false; code: DeadLetterCode; reason: string } {
  if (value === undefined) return { ok: true, at: now }; // devices without a clock: received time
  const at = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) return { ok: false, code: 'invalid_payload', reason: 'time must be ISO 8601 or epoch seconds' };
  const skew = (at.getTime() - now.getTime()) / 1000;
  if (skew > limits.maxFutureSkewS) return { ok: false, code: 'timestamp_out_of_range', reason: `device time ${at.toISOString()} is ${Math.round(skew)} s in the future` };
  if (-skew > limits.maxAgeS) return { ok: false, code: 'timestamp_out_of_range', reason: `device time ${at.toISOString()} is older than ${limits.maxAgeS} s` };
  return { ok: true, at };
}

const derivedId = (deviceId: string, at: Date, payload: Buffer) =>
  `d-${createHash('sha256').update(deviceId).update(String(at.getTime())).update(payload).digest('base64url').slice(0, 22)}`;

const KNOTS_TO_MPS = 0.514444;

/**
 * The OsmAnd protocol as Traccar Client sends it: query or form fields id, lat, lon, timestamp (epoch
 * seconds, milliseconds or ISO), speed (knots), bearing, altitude, accuracy, batt.
 */
export function mapOsmAnd(fields: Record<string, string | undefined>, raw: Buffer, device: KnownDevice, now: Date, limits: MapperLimits): Mapped {
  const number = (name: string) => {
    const value = fields[name];
    if (value === undefined || value === '') return undefined;
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : Number.NaN;
  };
  const lat = number('lat');
  const lon = number('lon');
  if (lat === undefined || lon === undefined || Number.isNaN(lat) || Number.isNaN(lon)) return fail('invalid_payload', 'OsmAnd needs numeric lat and lon');
  const stamp = fields.timestamp;
  const asNumber = stamp !== undefined && /^\d+(\.\d+)?$/.test(stamp) ? Number(stamp) : undefined;
  // Traccar Client sends seconds; some OsmAnd clients milliseconds.
  const time = deviceTime(asNumber === undefined ? stamp : asNumber > 1e11 ? asNumber / 1000 : asNumber, now, limits);
  if (!time.ok) return time;
  const knots = number('speed');
  return location(device, lat, lon, time.at, derivedId(device.deviceId, time.at, raw), 'osmand', {
    accuracyM: number('accuracy'),
    altitudeM: number('altitude'),
    speedMps: knots === undefined ? undefined : knots * KNOTS_TO_MPS,
    headingDeg: number('bearing'),
    batteryPct: number('batt'),
  });
}
