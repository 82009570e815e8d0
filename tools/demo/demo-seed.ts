// The demo tenant `npm run up` opens with: dispatcher and technician logins, technicians on shift,
// sites with geofences around Berlin, and jobs in every state, all created through the public REST
// API (as an operator and a dispatcher would). Devices for the simulator are provisioned by
// ../simulate/sim-devices.ts (a development shortcut; production uses POST /devices).
//
// The seed converges: each step looks at what is there and adds what is missing, so a seed cut off
// half way (Ctrl-C, a crash, an API that went away) is completed by the next run of the same plan.
import { randomBytes } from 'node:crypto';
import type { Clock } from '#libs/platform';
import { type DemoWindowName, demoWindows } from './demo-windows';

/** Everything a seed needs to be resumed: saved before the first request. */
export interface DemoPlan {
  tag: string;
  password: string;
  emails: { admin: string; dispatcher: string; technician: string };
  /** Technician ids that the simulator's phones report for (tech_sim-00001 …). */
  technicianIds: string[];
  /** Known once the tenant exists. */
  tenantId?: string;
}

export interface DemoLogins {
  tenantId: string;
  dispatcher: { email: string; password: string };
  technician: { email: string; password: string };
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
/** Title, skills, priority, site, when (relative to the moment of seeding). */
const JOBS: [string, string[], 'low' | 'normal' | 'high' | 'urgent', number, DemoWindowName][] = [
  ['Boiler makes noise', ['hvac'], 'normal', 0, 'soon'],
  ['No heating in ward 3', ['hvac'], 'urgent', 2, 'now'],
  ['Gas smell in kitchen', ['gas'], 'urgent', 6, 'now'],
  ['Replace fuse box', ['electrical'], 'high', 4, 'soon'],
  ['Leaking pipe in basement', ['plumbing'], 'high', 5, 'soon'],
  ['Annual AC service', ['hvac'], 'low', 1, 'tomorrow'],
  ['Flickering lights', ['electrical'], 'normal', 7, 'later'],
  ['Blocked drain', ['plumbing'], 'normal', 3, 'later'],
];

/** job index → technician index: one job each (double booking is refused), Ada's login has one. */
const ASSIGNED: Record<number, number> = { 0: 1, 2: 0, 3: 2 };

class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type Call = (method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>) => Promise<any>;

function client(apiUrl: string): Call {
  return async (method, path, body, token, headers = {}) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
      throw new ApiError(`${method} ${path}: ${response.status} ${text}`, response.status, code);
    }
    return text ? JSON.parse(text) : undefined;
  };
}

/** Runs a create that may have run before (a resumed seed): "already there" counts as done. */
async function ensure(create: () => Promise<unknown>, alreadyThere: (error: ApiError) => boolean): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof ApiError && alreadyThere(error))) throw error;
  }
}

/** A new demo: names and the password drawn once, so a seed cut off half way can be resumed. */
export function planDemo(): DemoPlan {
  const tag = randomBytes(3).toString('hex');
  return {
    tag,
    password: `demo-${randomBytes(6).toString('base64url')}`,
    emails: { admin: `admin-${tag}@demo.fieldline.dev`, dispatcher: `dispatch-${tag}@demo.fieldline.dev`, technician: `ada-${tag}@demo.fieldline.dev` },
    technicianIds: TECHNICIANS.map((_, i) => `tech_sim-${String(i + 1).padStart(5, '0')}`),
  };
}

export const loginsOf = (plan: DemoPlan & { tenantId: string }): DemoLogins => ({
  tenantId: plan.tenantId,
  dispatcher: { email: plan.emails.dispatcher, password: plan.password },
  technician: { email: plan.emails.technician, password: plan.password },
  technicianIds: plan.technicianIds,
});

/** Whether saved demo logins still work (the database may have been wiped since). */
export async function loginWorks(apiUrl: string, login: { email: string; password: string }): Promise<boolean> {
  return client(apiUrl)('POST', '/auth/login', login).then(() => true, () => false);
}

export interface SeedOptions {
  /** The moment job windows are laid from ("due now", "in a few hours", "tomorrow morning"). */
  clock: Clock;
  log?: (line: string) => void;
  /** Called with the plan as soon as the tenant exists, to be saved: a resumed seed must not make a second one. */
  onTenant?: (plan: DemoPlan & { tenantId: string }) => void;
}

/** Seeds the demo of `plan`, or completes it when an earlier run of the same plan stopped half way. */
export async function seedDemo(apiUrl: string, bootstrapToken: string, plan: DemoPlan, options: SeedOptions): Promise<DemoLogins> {
  const { clock, log = () => undefined } = options;
  const call = client(apiUrl);
  const { emails, password, technicianIds } = plan;
  const at = (dLat: number, dLon: number) => ({ lat: CENTER.lat + dLat, lon: CENTER.lon + dLon });
  const login = async (email: string) => (await call('POST', '/auth/login', { email, password })).accessToken as string;
  const emailTaken = (e: ApiError) => e.status === 409;

  log('demo: tenant and users');
  let admin: string;
  if (plan.tenantId) admin = await login(emails.admin);
  else {
    // The tenant and its admin are made in one transaction: a login that works means it exists.
    admin = await login(emails.admin).catch(async () => {
      await call('POST', '/tenants', { name: `Demo HVAC ${plan.tag}`, adminEmail: emails.admin, adminName: 'Demo Admin', adminPassword: password }, undefined, { 'x-bootstrap-token': bootstrapToken });
      return login(emails.admin);
    });
  }
  const tenantId = JSON.parse(Buffer.from(admin.split('.')[1]!, 'base64url').toString()).tid as string;
  const started = { ...plan, tenantId };
  options.onTenant?.(started);
  await ensure(() => call('POST', '/users', { email: emails.dispatcher, name: 'Dana Dispatcher', role: 'dispatcher', password }, admin), emailTaken);
  await ensure(() => call('POST', '/users', { email: emails.technician, name: TECHNICIANS[0]![0], role: 'technician', password, technicianId: technicianIds[0] }, admin), emailTaken);
  const dispatcher = await login(emails.dispatcher);

  log(`demo: ${TECHNICIANS.length} technicians on shift`);
  for (const [i, [name, skills]] of TECHNICIANS.entries()) {
    const id = technicianIds[i]!;
    await ensure(() => call('POST', '/technicians', { technicianId: id, name, skills }, admin), (e) => e.code === 'TECHNICIAN_ALREADY_EXISTS');
    await ensure(() => call('POST', `/technicians/${id}/shift/start`, undefined, admin), (e) => e.code === 'ALREADY_ON_SHIFT');
  }

  log(`demo: ${SITES.length} sites with geofences`);
  const byName = async (path: string) => new Map<string, any>(((await call('GET', `${path}?limit=100`, undefined, dispatcher)).items as any[]).map((item) => [item.name ?? item.title, item]));
  const sites = await byName('/sites');
  const geofences = await byName('/geofences');
  for (const [name, address, dLat, dLon] of SITES) {
    if (!sites.has(name)) sites.set(name, await call('POST', '/sites', { name, address, location: at(dLat, dLon) }, dispatcher));
    const site = sites.get(name);
    const fence = `${name} yard`;
    if (!geofences.has(fence)) await call('POST', '/geofences', { name: fence, siteId: site.id, shape: { kind: 'circle', center: site.location, radiusM: 90 } }, dispatcher);
  }

  log(`demo: ${JOBS.length} jobs, due from now to tomorrow morning`);
  const windows = demoWindows(clock.now());
  const jobs = await byName('/jobs');
  for (const [i, [title, requiredSkills, priority, siteIndex, when]] of JOBS.entries()) {
    const site = sites.get(SITES[siteIndex]![0]);
    const job = jobs.get(title) ?? (await call('POST', '/jobs', { title, requiredSkills, priority, siteId: site.id, location: site.location, window: windows[when] }, dispatcher));
    // a few already under way, so the board shows every column
    const assignee = ASSIGNED[i] === undefined ? undefined : technicianIds[ASSIGNED[i]];
    if (assignee && job.status === 'unassigned') await call('POST', `/jobs/${job.id}/assign`, { technicianId: assignee }, dispatcher);
  }
  return loginsOf(started);
}
