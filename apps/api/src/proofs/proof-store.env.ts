import { ValidateIf } from 'class-validator';
import { type Constructor, EnvInt, EnvOneOf, EnvString, EnvUrl } from '#libs/platform';

/** Where proof-of-service images go (ProofStore) and how large one may be. */
export function withProofStoreEnv<Base extends Constructor>(base: Base) {
  class ProofStoreEnv extends base {
    /** `disk` (PROOF_DIR, one API host or a shared volume) or `s3` (any S3-compatible store, PROOF_S3_*). */
    @EnvOneOf(['disk', 's3'])
    PROOF_STORE: 'disk' | 's3' = 'disk';

    @EnvString()
    PROOF_DIR: string = '.data/proofs';

    /** The largest photo or signature accepted, in bytes (a phone's full-size JPEG is 2–8 MB). */
    @EnvInt({ min: 1024, max: 100 * 1024 * 1024 })
    PROOF_MAX_BYTES: number = 15 * 1024 * 1024;

    @ValidateIf((env: ProofStoreEnv) => env.PROOF_STORE === 's3')
    @EnvString({ required: true })
    PROOF_S3_BUCKET?: string;

    /** An S3-compatible endpoint (MinIO, Ceph, R2 …); unset: AWS S3 in PROOF_S3_REGION. */
    @EnvUrl(['http', 'https'])
    PROOF_S3_ENDPOINT?: string;

    @EnvString()
    PROOF_S3_REGION: string = 'us-east-1';

    /** Unset: the AWS SDK's own chain (environment, profile, instance role). */
    @ValidateIf((env: ProofStoreEnv) => env.PROOF_S3_SECRET_ACCESS_KEY !== undefined)
    @EnvString({ required: true })
    PROOF_S3_ACCESS_KEY_ID?: string;

    @ValidateIf((env: ProofStoreEnv) => env.PROOF_S3_ACCESS_KEY_ID !== undefined)
    @EnvString({ required: true })
    PROOF_S3_SECRET_ACCESS_KEY?: string;

    /** 1: bucket in the path (http://host/bucket/key), as most S3-compatible servers want; 0: virtual-hosted (bucket.host). */
    @EnvInt({ min: 0, max: 1 })
    PROOF_S3_PATH_STYLE: number = 1;

    /** Keys start with this (a bucket shared with other data). */
    @EnvString({ pattern: /^([A-Za-z0-9!_.*'()-]+\/)*$/, message: 'PROOF_S3_PREFIX must be empty or path segments ending in /' })
    PROOF_S3_PREFIX: string = '';
  }
  return ProofStoreEnv;
}
