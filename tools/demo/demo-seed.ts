// The demo tenant `npm run up` opens with: dispatcher and technician logins, technicians on shift,
// sites with geofences around Berlin, and jobs in every state, all created through the public REST
// API (as an operator and a dispatcher would). Devices for the simulator are provisioned by
// ../simulate/sim-devices.ts (a development shortcut; production uses POST /devices).
import { randomBytes } from 'node:crypto';

export interface DemoLogins {
  tenantId: string;
  dispatcher: { email: string; password: string };
  technician: { email: string; password: string };
  /** Technician ids that the simulator's phones report for (tech_sim-00001 …). */
  technicianIds: string[];
}

const CENTER = { lat: 52.52, lon: 13.405 };
const TECHNICIANS: [string, string[]][] = [
  ['Ada Kowalski', ['hvac', 'gas']],
  ['Ben Okafor', ['hvac']],
  ['Chiara Rossi', ['electrical']],
  ['Deniz Yilmaz', ['plumbing', 'gas']],
  ['Emil Larsen', ['hvac', 'electrical']],
  ['Fatima Haddad', ['plumbing']],
];
const SITES: [string, string, number, number][] = [
  ['Bäckerei Mitte', 'Torstr. 1', 0.006, -0.01],
  ['Hotel Spree', 'Am Kupfergraben 6', -0.004, 0.012],
  ['Klinik Nord', 'Seestr. 40', 0.025, -0.02],
  ['Schule am Park', 'Parkstr. 3', -0.018, -0.015],
  ['Büro Ost', 'Frankfurter Allee 90', -0.002, 0.04],
  ['Lager Süd', 'Ringbahnstr. 12', -0.03, 0.01],
  ['Café Kreuzberg', 'Oranienstr. 20', -0.021, 0.025],
  ['Praxis West', 'Kantstr. 50', -0.012, -0.045],
];
const JOBS: [string, string[], 'low' | 'normal' | 'high' | 'urgent', number][] = [
  ['Boiler makes noise', ['hvac'], 'normal', 0],
  ['No heating in ward 3', ['hvac'], 'urgent', 2],
  ['Gas smell in kitchen', ['gas'], 'urgent', 6],
  ['Replace fuse box', ['electrical'], 'high', 4],
  ['Leaking pipe in basement', ['plumbing'], 'high', 5],
  ['Annual AC service', ['hvac'], 'low', 1],
  ['Flickering lights', ['electrical'], 'normal', 7],
  ['Blocked drain', ['plumbing'], 'normal', 3],
];

/** job index → technician index: one job each (double booking is refused), Ada's login has one. */
const ASSIGNED: Record<number, number> = { 0: 1, 2: 0, 3: 2 };

type Call = (method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>) => Promise<any>;

function client(apiUrl: string): Call {
  return async (method, path, body, token, headers = {}) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** Whether saved demo logins still work (the database may have been wiped since). */
export async function demoStillThere(apiUrl: string, logins: DemoLogins): Promise<boolean> {
  return client(apiUrl)('POST', '/auth/login', logins.dispatcher).then(() => true, () => false);
}

export async function seedDemo(apiUrl: string, bootstrapToken: string, log: (line: string) => void = () => undefined): Promise<DemoLogins> {
  const call = client(apiUrl);
  const tag = randomBytes(3).toString('hex');
  const password = `demo-${randomBytes(6).toString('base64url')}`;
  const emails = { admin: `admin-${tag}@demo.fieldline.dev`, dispatcher: `dispatch-${tag}@demo.fieldline.dev`, technician: `ada-${tag}@demo.fieldline.dev` };
  const at = (dLat: number, dLon: number) => ({ lat: CENTER.lat + dLat, lon: CENTER.lon + dLon });
  const login = async (email: string) => (await call('POST', '/auth/login', { email, password })).accessToken as string;

  log('demo: tenant and users');
  const { tenantId } = await call('POST', '/tenants', { name: `Demo HVAC ${tag}`, adminEmail: emails.admin, adminName: 'Demo Admin', adminPassword: password }, undefined, { 'x-bootstrap-token': bootstrapToken });
  const admin = await login(emails.admin);
  const technicianIds = TECHNICIANS.map((_, i) => `tech_sim-${String(i + 1).padStart(5, '0')}`);
  await call('POST', '/users', { email: emails.dispatcher, name: 'Dana Dispatcher', role: 'dispatcher', password }, admin);
  await call('POST', '/users', { email: emails.technician, name: TECHNICIANS[0]![0], role: 'technician', password, technicianId: technicianIds[0] }, admin);
  const dispatcher = await login(emails.dispatcher);

  log(`demo: ${TECHNICIANS.length} technicians on shift`);
  for (const [i, [name, skills]] of TECHNICIANS.entries()) {
    const id = technicianIds[i]!;
    await call('POST', '/technicians', { technicianId: id, name, skills }, admin);
    await call('POST', `/technicians/${id}/shift/start`, undefined, admin);
  }

  log(`demo: ${SITES.length} sites with geofences`);
  const sites: { id: string; location: { lat: number; lon: number } }[] = [];
  for (const [name, address, dLat, dLon] of SITES) {
    const site = await call('POST', '/sites', { name, address, location: at(dLat, dLon) }, dispatcher);
    await call('POST', '/geofences', { name: `${name} yard`, siteId: site.id, shape: { kind: 'circle', center: site.location, radiusM: 90 } }, dispatcher);
    sites.push(site);
  }

  log(`demo: ${JOBS.length} jobs`);
  const start = new Date();
  start.setUTCHours(6, 0, 0, 0);
  const window = { start: start.toISOString(), end: new Date(start.getTime() + 12 * 3_600_000).toISOString() };
  for (const [i, [title, requiredSkills, priority, siteIndex]] of JOBS.entries()) {
    const site = sites[siteIndex]!;
    const job = await call('POST', '/jobs', { title, requiredSkills, priority, siteId: site.id, location: site.location, window }, dispatcher);
    // a few already under way, so the board shows every column
    const assignee = ASSIGNED[i] === undefined ? undefined : technicianIds[ASSIGNED[i]];
    if (assignee) await call('POST', `/jobs/${job.id}/assign`, { technicianId: assignee }, dispatcher);
  }
  return { tenantId, dispatcher: { email: emails.dispatcher, password }, technician: { email: emails.technician, password }, technicianIds };
}
