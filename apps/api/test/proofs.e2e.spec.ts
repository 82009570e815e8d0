import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant } from '../../../test/support/api';
import { downloadProof, photo, signature, uploadProof } from '../../../test/support/proofs';

// Proof of service over HTTP against the real stack, stored on local disk (the default ProofStore):
// what is accepted (by its bytes), by whom and when, what readers get, and what nobody else sees.

const MAX_BYTES = 400_000;
let app: AppProcess;
let http: ApiClient;
let acme: Tenant;
let other: Tenant;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fieldline-proofs-'));
  ({ app, http } = await startApi({ PROOF_DIR: dir, PROOF_MAX_BYTES: String(MAX_BYTES) }));
  [acme, other] = await Promise.all([newTenant(http), newTenant(http)]);
});
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let slot = 0;
/** A job assigned to the tenant's technician (each in its own hour: no double booking), taken as far as `steps` go. */
async function jobAt(tenant: Tenant, steps: string[] = ['travel', 'arrive']) {
  const start = Date.now() + slot++ * 3600_000;
  const window = { start: new Date(start).toISOString(), end: new Date(start + 3000_000).toISOString() };
  const job = await must(tenant.dispatcher.post('/jobs', { title: 'Boiler service', requiredSkills: [], window }));
  await must(tenant.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: tenant.technicianId }));
  for (const step of steps) await must(tenant.technician.post(`/jobs/${job.id}/${step}`));
  return job.id as string;
}

it('takes a photo as the body, recognised by its bytes; keeps it and an upright thumbnail; records it on the job', async () => {
  const jobId = await jobAt(acme);
  const bytes = await photo(800, 600);
  const reply = await uploadProof(acme.technician, jobId, bytes, 'kind=photo', { 'content-type': 'application/octet-stream' });
  expect(reply.status).toBe(201);
  expect(reply.body).toMatchObject({
    proofId: expect.stringMatching(/^prf_/), kind: 'photo', contentType: 'image/jpeg', sizeBytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'), width: 800, height: 600, technicianId: acme.technicianId,
    url: `/jobs/${jobId}/proofs/${reply.body.proofId}`, thumbnailUrl: `/jobs/${jobId}/proofs/${reply.body.proofId}/thumbnail`,
  });
  expect(existsSync(join(dir, acme.tenantId, jobId, reply.body.proofId, 'original'))).toBe(true);

  const original = await downloadProof(acme.dispatcher, reply.body.url);
  expect({ status: original.status, type: original.headers.get('content-type'), etag: original.headers.get('etag'), same: original.bytes.equals(bytes) })
    .toEqual({ status: 200, type: 'image/jpeg', etag: `"${reply.body.sha256}"`, same: true });
  const thumbnail = await downloadProof(acme.dispatcher, reply.body.thumbnailUrl);
  expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
  await expect(sharp(thumbnail.bytes).metadata()).resolves.toMatchObject({ format: 'jpeg', width: 320, height: 240 });

  const history = await must(acme.dispatcher.get(`/jobs/${jobId}/events`));
  expect(history.events.at(-1)).toMatchObject({ type: 'job.proof_added', data: { proofId: reply.body.proofId, kind: 'photo' } });
});

it('takes the customer’s signature (PNG) after completion, with the signer’s name; integrators list and fetch proofs', async () => {
  const jobId = await jobAt(acme, ['travel', 'arrive', 'complete']);
  const bytes = await signature();
  const reply = await uploadProof(acme.technician, jobId, bytes, 'kind=signature&signedBy=Ada%20Customer', { 'content-type': 'image/png' });
  expect(reply.status).toBe(201);
  expect(reply.body).toMatchObject({ kind: 'signature', contentType: 'image/png', signedBy: 'Ada Customer', width: 600, height: 200 });

  const key = await must(acme.admin.post('/api-keys', { name: 'ERP', scopes: ['jobs:read'] }));
  const integrator = http.withApiKey(key.apiKey);
  const listed = await must(integrator.get(`/jobs/${jobId}/proofs`));
  expect(listed.items.map((p: { proofId: string }) => p.proofId)).toEqual([reply.body.proofId]);
  const fetched = await downloadProof(integrator, reply.body.url);
  expect(fetched.bytes.equals(bytes)).toBe(true);
  expect((await uploadProof(integrator, jobId, bytes, 'kind=photo')).status).toBe(403); // a read key
});

it('refuses what is not an image, a broken one, an oversized one, and a wrong kind, each as a problem', async () => {
  const jobId = await jobAt(acme);
  const refused = async (body: Buffer, query = 'kind=photo') => {
    const r = await uploadProof(acme.technician, jobId, body, query);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    return { status: r.status, code: r.body.code };
  };
  await expect(refused(Buffer.from('<html>not a photo</html>'))).resolves.toEqual({ status: 415, code: 'UNSUPPORTED_PROOF_TYPE' });
  const jpeg = await photo(64, 64);
  await expect(refused(Buffer.concat([jpeg.subarray(0, 20), Buffer.alloc(500, 7)]))).resolves.toEqual({ status: 415, code: 'UNSUPPORTED_PROOF_TYPE' });
  await expect(refused(Buffer.concat([jpeg, Buffer.alloc(MAX_BYTES)]))).resolves.toEqual({ status: 413, code: 'PROOF_TOO_LARGE' });
  expect((await refused(jpeg, 'kind=selfie')).status).toBe(400);
  expect((await must(acme.dispatcher.get(`/jobs/${jobId}/proofs`))).items).toEqual([]);
});

it('is the assigned technician’s, on site or after: a dispatcher gets 403, a job still en route 409, and nothing is stored', async () => {
  const onSite = await jobAt(acme);
  const bytes = await photo(64, 64);
  const byDispatcher = await uploadProof(acme.dispatcher, onSite, bytes, 'kind=photo');
  expect({ status: byDispatcher.status, code: byDispatcher.body.code }).toEqual({ status: 403, code: 'NOT_ASSIGNED_TECHNICIAN' });
  const enRoute = await jobAt(acme, ['travel']);
  const early = await uploadProof(acme.technician, enRoute, bytes, 'kind=photo');
  expect({ status: early.status, code: early.body.code }).toEqual({ status: 409, code: 'INVALID_TRANSITION' });
  for (const jobId of [onSite, enRoute]) expect(existsSync(join(dir, acme.tenantId, jobId))).toBe(false);
});

it('records a retried upload once (Idempotency-Key compares the bytes); the same key with another image is 422', async () => {
  const jobId = await jobAt(acme);
  const bytes = await photo(120, 90);
  const first = await uploadProof(acme.technician, jobId, bytes, 'kind=photo', { 'idempotency-key': `proof-${jobId}` });
  const again = await uploadProof(acme.technician, jobId, bytes, 'kind=photo', { 'idempotency-key': `proof-${jobId}` });
  expect({ first: first.status, again: again.status, replayed: again.headers.get('idempotent-replayed'), same: again.body.proofId === first.body.proofId })
    .toEqual({ first: 201, again: 201, replayed: 'true', same: true });
  const otherImage = await uploadProof(acme.technician, jobId, await photo(121, 90), 'kind=photo', { 'idempotency-key': `proof-${jobId}` });
  expect(otherImage.status).toBe(422);
  expect((await must(acme.dispatcher.get(`/jobs/${jobId}/proofs`))).items).toHaveLength(1);
});

it('shows a proof to nobody outside the job: another tenant and another technician get 404', async () => {
  const jobId = await jobAt(acme);
  const proof = (await uploadProof(acme.technician, jobId, await photo(64, 64), 'kind=photo')).body;
  for (const path of [`/jobs/${jobId}/proofs`, proof.url, proof.thumbnailUrl]) {
    expect((await downloadProof(other.dispatcher, path)).status).toBe(404);
    expect((await downloadProof(other.technician, path)).status).toBe(404);
  }
  expect((await downloadProof(acme.dispatcher, `/jobs/${jobId}/proofs/prf_unknown`)).status).toBe(404);
  const elsewhere = await jobAt(other);
  expect((await uploadProof(acme.technician, elsewhere, await photo(64, 64), 'kind=photo')).status).toBe(404);
});
