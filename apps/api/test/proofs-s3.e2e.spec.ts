import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { AppProcess } from '../../../test/support/app-process';
import { must, newTenant, startApi, type Tenant, windowAroundNow } from '../../../test/support/api';
import { startS3Server, type S3Server } from '../../../test/support/moto';
import { downloadProof, photo, uploadProof } from '../../../test/support/proofs';

// The S3 proof store against a real S3-compatible server (moto, from PyPI) that checks every request's
// Signature V4: the API stores and serves proofs there, under the configured prefix.

const BUCKET = 'fieldline-proofs';
let s3: S3Server;
let client: S3Client;
let app: AppProcess;
let acme: Tenant;

const s3Client = (credentials: S3Server['credentials']) =>
  new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });

beforeAll(async () => {
  s3 = await startS3Server();
  client = s3Client(s3.credentials);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  let http;
  ({ app, http } = await startApi({
    PROOF_STORE: 's3',
    PROOF_S3_BUCKET: BUCKET,
    PROOF_S3_ENDPOINT: s3.endpoint,
    PROOF_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    PROOF_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    PROOF_S3_PREFIX: 'field/',
  }));
  acme = await newTenant(http);
}, 240_000); // the first run installs moto from PyPI

afterAll(async () => {
  client?.destroy();
  await app?.stop();
  await s3?.stop();
});

it('the server refuses a request signed with the wrong secret (so the signature is really checked)', async () => {
  const forged = s3Client({ ...s3.credentials, secretAccessKey: `${s3.credentials.secretAccessKey}x` });
  await expect(forged.send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
  forged.destroy();
});

it('stores the photo and its thumbnail in the bucket under the prefix, and serves them back', async () => {
  const job = await must(acme.dispatcher.post('/jobs', { title: 'Roof vent', requiredSkills: [], window: windowAroundNow(2) }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
  for (const step of ['travel', 'arrive']) await must(acme.technician.post(`/jobs/${job.id}/${step}`));
  const bytes = await photo(640, 480);
  const reply = await uploadProof(acme.technician, job.id, bytes, 'kind=photo');
  expect(reply.status).toBe(201);

  const prefix = `field/${acme.tenantId}/${job.id}/${reply.body.proofId}/`;
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([`${prefix}original`, `${prefix}thumbnail`]);
  const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}original` }));
  expect({ type: object.ContentType, same: Buffer.from(await object.Body!.transformToByteArray()).equals(bytes) }).toEqual({ type: 'image/jpeg', same: true });

  const served = await downloadProof(acme.dispatcher, reply.body.url);
  expect(served.bytes.equals(bytes)).toBe(true);
  expect((await downloadProof(acme.dispatcher, reply.body.thumbnailUrl)).headers.get('content-type')).toBe('image/jpeg');
});
