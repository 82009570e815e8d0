import type { Logger } from 'pino';

// The injection tokens and settings of the ingest app, built from IngestEnv once at start (app.module.ts).

export const INGEST_OPTIONS = Symbol('INGEST_OPTIONS');

/** What every ingest edge (MQTT, the external-broker bridge, OsmAnd over HTTP) needs. */
export interface IngestOptions {
  logger: Logger;
  maxPayloadBytes: number;
  maxFutureSkewS: number;
  maxAgeS: number;
  /** This process among the ingest processes (INGEST_NODE_ID, else host-pid): what each one reads for itself. */
  nodeId: string;
}

export const PRESENCE_OPTIONS = Symbol('PRESENCE_OPTIONS');

export interface PresenceOptions {
  logger: Logger;
  /** A connected device that sends nothing for this long is reported stale (once, until it speaks). */
  staleAfterS: number;
  checkEveryMs: number;
}

export const BRIDGE_OPTIONS = Symbol('BRIDGE_OPTIONS');

/** Scale-out mode: the shared external broker ingest subscribes to. */
export interface BridgeOptions {
  url: string;
  /** Stable per instance: its persistent session keeps unacknowledged messages across a restart. */
  nodeId: string;
  shareGroup: string;
}
