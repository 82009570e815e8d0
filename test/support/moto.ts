import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './app-process';
import { ensureMotoServer } from '../../tools/stack/python-tools';

export interface S3Server {
  endpoint: string;
  /** An IAM user's keys allowed s3:*; the server checks every request's Signature V4 against them. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

/**
 * moto's server (PyPI) as an S3-compatible endpoint with authentication on: the first three requests
 * (create a user, allow it S3, make its keys) go unauthenticated, every later one must be signed with
 * those keys. Without that, moto takes any signature, and a broken one would pass.
 */
export async function startS3Server(): Promise<S3Server> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(ensureMotoServer(), ['-H', '127.0.0.1', '-p', String(port)], {
    env: { PATH: process.env.PATH ?? '', INITIAL_NO_AUTH_ACTION_COUNT: '3' },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`moto_server did not start on ${endpoint}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const iam = async (params: Record<string, string>) => {
    const response = await fetch(`${endpoint}/`, {
      method: 'POST',
      // moto routes by the credential scope's service; the signature is not checked before auth starts
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDBOOTSTRAP/20310101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0' },
      body: new URLSearchParams({ Version: '2010-05-08', ...params }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`IAM ${params.Action}: ${response.status} ${text}`);
    return text;
  };
  await iam({ Action: 'CreateUser', UserName: 'proofs' });
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
  await iam({ Action: 'PutUserPolicy', UserName: 'proofs', PolicyName: 's3', PolicyDocument: JSON.stringify(policy) });
  const keys = await iam({ Action: 'CreateAccessKey', UserName: 'proofs' });
  const accessKeyId = /<AccessKeyId>([^<]+)</.exec(keys)![1]!;
  const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(keys)![1]!;
  return {
    endpoint,
    credentials: { accessKeyId, secretAccessKey },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
