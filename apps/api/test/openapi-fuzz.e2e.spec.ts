import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { ensureSchemathesis } from '../../../tools/stack/python-tools';
import type { AppProcess } from '../../../test/support/app-process';
import { ApiClient } from '../../../test/support/api-client';
import { login, newTenant, startApi } from '../../../test/support/api';

// Schemathesis (PyPI) generates requests from /openapi.json for every operation — valid, invalid and
// stateful sequences — and fails on any 5xx. A fixed seed keeps the run reproducible; `npm test`
// installs it once into the cache.

let app: AppProcess;

beforeAll(async () => {
  ensureSchemathesis();
  ({ app } = await startApi());
}, 300_000);
afterAll(async () => {
  await app?.stop();
});

it('answers no generated request with a server error', async () => {
  const tenant = await newTenant(new ApiClient(app.url));
  const token = await login(new ApiClient(app.url), tenant.emails.admin);
  const args = ['run', `${app.url}/openapi.json`, '-H', `Authorization: Bearer ${token}`, '--checks', 'not_a_server_error',
    '--max-examples', '15', '--seed', '20261125', '--request-timeout', '10', '--no-color'];
  // Its working files (.schemathesis/) go to the OS temp dir, not the repository.
  const child = spawn(ensureSchemathesis(), args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const failures = /={3,} FAILURES ={3,}([\s\S]*?)(?:={3,} (?:WARNINGS|SUMMARY))/.exec(output)?.[1]?.trim();
  const errors = /={3,} ERRORS ={3,}([\s\S]*?)(?:={3,} )/.exec(output)?.[1]?.trim();
  expect({ code, failures, errors }).toEqual({ code: 0, failures: undefined, errors: undefined });
  expect(output).toMatch(/\d+ generated, \d+ passed/);
}, 300_000);
