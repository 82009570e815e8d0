// npm run simulate -- --devices N --rate R [--owntracks] [--seconds S] [--mqtt mqtt://127.0.0.1:1883] [--tenant T] [--quiet]
//
// Drives N simulated technicians' phones over real MQTT against a running ingest (npm run up): each
// moves along a route at street speeds, stops at sites, drains its battery, and now and then drops
// off the network for a while. Devices are provisioned in the development database (tenant
// `tnt_simulator`, secret `simulator-secret`) — a development convenience; production provisions
// devices through POST /devices. A live line shows connected, sent, acked, errors.
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { provisionSimDevices, SIM_SECRET } from './sim-devices';
import { TechnicianRoute } from './technician-route';
import { stackValue } from '../stack/stack.config';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1' },
    owntracks: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '0' },
    mqtt: { type: 'string' },
    tenant: { type: 'string', default: 'tnt_simulator' },
    /** A status line every 30 s instead of a live one (when another program relays the output). */
    quiet: { type: 'boolean', default: false },
  },
});

const count = Number(values.devices);
const rate = Number(values.rate);
const databaseUrl = stackValue('DATABASE_URL');
const mqttUrl = values.mqtt ?? stackValue('MQTT_URL') ?? 'mqtt://127.0.0.1:1883';

const stats = { connected: 0, sent: 0, acked: 0, errors: 0, offline: 0 };

async function provision(): Promise<string[]> {
  if (!databaseUrl) throw new Error('no DATABASE_URL: run `npm run stack:up` (or npm run up) first');
  return provisionSimDevices(databaseUrl, count, values.tenant!);
}

function drive(deviceId: string, index: number, deadline: number): Promise<void> {
  const route = new TechnicianRoute({ lat: 52.52, lon: 13.405 });
  return new Promise((resolve) => {
    const client = mqtt.connect(mqttUrl, { clientId: deviceId, username: deviceId, password: SIM_SECRET, reconnectPeriod: 2000, connectTimeout: 10_000 });
    let last = Date.now();
    client.on('connect', () => stats.connected++);
    client.on('close', () => client.connected || stats.connected > 0 && stats.connected--);
    client.on('error', () => stats.errors++);
    const timer = setInterval(
      () => {
        const now = Date.now();
        if (deadline && now > deadline) {
          clearInterval(timer);
          client.end(false, {}, () => resolve());
          return;
        }
        // Now and then a phone loses signal for 10–60 s (tunnels, basements).
        if (Math.random() < 0.0005) {
          stats.offline++;
          client.end(true);
          setTimeout(() => {
            stats.offline--;
            client.reconnect();
          }, 10_000 + Math.random() * 50_000);
        }
        const fix = route.step((now - last) / 1000, now);
        last = now;
        if (!client.connected) return;
        const [topic, payload] = values.owntracks
          ? [`owntracks/sim/${deviceId}`, { _type: 'location', lat: fix.lat, lon: fix.lon, tst: Math.floor(now / 1000), acc: fix.accuracyM, vel: Math.round(fix.speedMps * 3.6), cog: fix.headingDeg, batt: fix.batteryPct, tid: deviceId.slice(-2) }]
          : [`fieldline/v1/${deviceId}/location`, { lat: fix.lat, lon: fix.lon, ts: new Date(now).toISOString(), acc: fix.accuracyM, spd: fix.speedMps, hdg: fix.headingDeg, batt: fix.batteryPct }];
        stats.sent++;
        client.publish(topic, JSON.stringify(payload), { qos: 1 }, (error) => (error ? stats.errors++ : stats.acked++));
      },
      1000 / rate + index % 7, // spread clients so they do not all fire in the same millisecond
    );
  });
}

async function main() {
  console.log(`simulate: ${count} devices × ${rate} msg/s → ${mqttUrl}${values.owntracks ? ' (OwnTracks)' : ''}`);
  const ids = await provision();
  const deadline = Number(values.seconds) > 0 ? Date.now() + Number(values.seconds) * 1000 : 0;
  const started = Date.now();
  const line = setInterval(
    () => {
      const s = (Date.now() - started) / 1000;
      const status = `connected ${stats.connected}/${count}  offline ${stats.offline}  sent ${stats.sent}  acked ${stats.acked}  errors ${stats.errors}  (${(stats.acked / s).toFixed(0)} acks/s)`;
      if (values.quiet) console.log(status);
      else process.stdout.write(`\r  ${status}   `);
    },
    values.quiet ? 30_000 : 1000,
  );
  const stop = () => {
    clearInterval(line);
    console.log('\n  stopped');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  await Promise.all(ids.map((id, i) => drive(id, i, deadline)));
  clearInterval(line);
  console.log(`\n  done: sent ${stats.sent}, acked ${stats.acked}, errors ${stats.errors}`);
  process.exit(stats.errors > 0 && stats.acked === 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(`simulate: ${(error as Error).message}`);
  process.exit(1);
});
