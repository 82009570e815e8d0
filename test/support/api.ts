import { randomUUID } from 'node:crypto';
import { type AppProcess, stackEnv, startAppProcess } from './app-process';
import { ApiClient } from './api-client';
import { TEST_TOKEN_KEY } from './token-keys';

export const BOOTSTRAP = 'e2e-bootstrap-token-0123456789';
export const PASSWORD = 'e2e-password-0123456789';

export async function startApi(extra: Record<string, string> = {}): Promise<{ app: AppProcess; http: ApiClient }> {
  const app = await startAppProcess('api', {
    ...stackEnv(),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info', // the test waits for the app.listening line
    JWT_PRIVATE_KEY_FILE: TEST_TOKEN_KEY.privateKeyFile,
    API_BOOTSTRAP_TOKEN: BOOTSTRAP,
    // every API process of a run shares the database and may take any due delivery: the same allow-list for all
    // (the tests' receivers are plain-http servers on loopback)
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_ALLOW_HTTP: '1',
    ...extra,
  });
  return { app, http: new ApiClient(app.url) };
}

export interface Tenant {
  tenantId: string;
  admin: ApiClient;
  dispatcher: ApiClient;
  /** A technician user acting as technician `technicianId`. */
  technician: ApiClient;
  technicianId: string;
  /** The dispatcher's access token, for tools that make their own requests (bench). */
  dispatcherToken: string;
  emails: { admin: string; dispatcher: string; technician: string };
}

/** A fresh tenant with an admin, a dispatcher and a technician user (registered on the roster, skills hvac+gas). */
export async function newTenant(http: ApiClient): Promise<Tenant> {
  const tag = randomUUID().slice(0, 8);
  const emails = { admin: `admin-${tag}@e2e.example`, dispatcher: `disp-${tag}@e2e.example`, technician: `tech-${tag}@e2e.example` };
  const created = await http.post('/tenants', { name: `Tenant ${tag}`, adminEmail: emails.admin, adminName: 'Admin', adminPassword: PASSWORD }, { 'x-bootstrap-token': BOOTSTRAP });
  if (created.status !== 201) throw new Error(`tenant: ${created.status} ${JSON.stringify(created.body)}`);
  const admin = http.as(await login(http, emails.admin));
  const technicianId = `tech_${tag}`;
  await must(admin.post('/users', { email: emails.dispatcher, name: 'Dispatcher', role: 'dispatcher', password: PASSWORD }));
  await must(admin.post('/users', { email: emails.technician, name: 'Tech', role: 'technician', password: PASSWORD, technicianId }));
  await must(admin.post('/technicians', { technicianId, name: 'Tech', skills: ['hvac', 'gas'] }));
  const dispatcherToken = await login(http, emails.dispatcher);
  return {
    tenantId: created.body.tenantId,
    admin,
    dispatcher: http.as(dispatcherToken),
    dispatcherToken,
    technician: http.as(await login(http, emails.technician)),
    technicianId,
    emails,
  };
}

export async function login(http: ApiClient, email: string, password = PASSWORD): Promise<string> {
  const reply = await http.post('/auth/login', { email, password });
  if (reply.status !== 200) throw new Error(`login ${email}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.accessToken;
}

export async function must<T>(reply: Promise<{ status: number; body: T }>): Promise<T> {
  const r = await reply;
  if (r.status >= 300) throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A job window from an hour ago to `hours` hours from now: open whatever the time of day. */
export function windowAroundNow(hours = 24) {
  const now = Date.now();
  return { start: new Date(now - 3600_000).toISOString(), end: new Date(now + hours * 3600_000).toISOString() };
}

/** A job window `dayOffset` (≥ 1) days from now, `hours` long, starting at `hour` UTC: always in the future. */
export function window(dayOffset: number, hour = 8, hours = 2) {
  const start = new Date();
  start.setUTCDate(start.getUTCDate() + dayOffset);
  start.setUTCHours(hour, 0, 0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + hours * 3600_000).toISOString() };
}
