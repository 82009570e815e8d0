import { DiskProofStore } from './disk-proof.store';
import type { ProofStore } from './proof-store';
import { S3ProofStore } from './s3-proof.store';

/** The PROOF_* variables (proof-store.env.ts), validated. */
interface ProofStoreEnv {
  PROOF_STORE: 'disk' | 's3';
  PROOF_DIR: string;
  PROOF_S3_BUCKET?: string;
  PROOF_S3_ENDPOINT?: string;
  PROOF_S3_REGION: string;
  PROOF_S3_ACCESS_KEY_ID?: string;
  PROOF_S3_SECRET_ACCESS_KEY?: string;
  PROOF_S3_PATH_STYLE: number;
  PROOF_S3_PREFIX: string;
}

/** The ProofStore PROOF_STORE names, configured from the validated environment. */
export function proofStoreFromEnv(env: ProofStoreEnv): ProofStore {
  if (env.PROOF_STORE === 'disk') return new DiskProofStore(env.PROOF_DIR);
  return new S3ProofStore({
    bucket: env.PROOF_S3_BUCKET!,
    region: env.PROOF_S3_REGION,
    endpoint: env.PROOF_S3_ENDPOINT,
    pathStyle: env.PROOF_S3_PATH_STYLE === 1,
    prefix: env.PROOF_S3_PREFIX,
    ...(env.PROOF_S3_ACCESS_KEY_ID && env.PROOF_S3_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.PROOF_S3_ACCESS_KEY_ID, secretAccessKey: env.PROOF_S3_SECRET_ACCESS_KEY } }
      : {}),
  });
}
