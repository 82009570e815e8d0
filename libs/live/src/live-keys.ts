/**
 * Redis keys of a tenant's live state. The `{tenantId}` hash tag puts all of a tenant's keys in one
 * cluster slot, so a script can update state and append to the feed atomically.
 */
export const liveKeys = (tenantId: string) => {
  const base = `fl:{${tenantId}}`;
  return {
    /** Stream: what screens must see, in order; entry ids are the resume points. */
    feed: `${base}:feed`,
    /** Hash subjectId → last fix (JSON). */
    positions: `${base}:pos`,
    /** GEO set of subjects at their last fix, for near/within queries. */
    geo: `${base}:geo`,
    /** Hash jobId → job board entry (JSON). */
    jobs: `${base}:jobs`,
    /** Hash technicianId → technician status (JSON). */
    technicians: `${base}:techs`,
    /** Hash deviceId → device presence (JSON). */
    presence: `${base}:presence`,
    /** Hash subjectId → derived tracking state: geofence hysteresis, recent speed, last ETAs (JSON). */
    tracking: `${base}:trk`,
    /** Hash subjectId → signal alert state (JSON). */
    alerts: `${base}:alerts`,
    /** Set of a technician's devices connected over MQTT (their phone counts in their presence). */
    technicianDevices: (technicianId: string) => `${base}:tdev:${technicianId}`,
    /** Hash messageId / receipt → the chat entries already in the feed (JSON). */
    chat: `${base}:chat`,
    /** Hash callId → the call's invitees; and call event (per technician) → already in the feed. */
    calls: `${base}:calls`,
  };
};

export type LiveKeys = ReturnType<typeof liveKeys>;
