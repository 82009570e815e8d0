// The port proof-of-service bytes go through. Keys are made here from ids the API issued or checked
// (tenant, job, proof), never from what a client typed, so no store sees a path it did not expect.

export type ProofVariant = 'original' | 'thumbnail';

export interface ProofKey {
  tenantId: string;
  jobId: string;
  proofId: string;
  variant: ProofVariant;
}

export interface StoredProof {
  bytes: Buffer;
  contentType: string;
}

/** Where proof images are kept: local disk (DiskProofStore) or an S3-compatible bucket (S3ProofStore), chosen by PROOF_STORE. */
export abstract class ProofStore {
  /** Writes the whole object or nothing; writing the same key again replaces it (a retried upload). */
  abstract put(key: ProofKey, proof: StoredProof): Promise<void>;
  /** undefined when there is no such object. */
  abstract get(key: ProofKey): Promise<StoredProof | undefined>;
}

const SAFE = /^[A-Za-z0-9_.:-]{1,200}$/;

/** `<tenant>/<job>/<proof>/<variant>`, each part checked: ids carry no slashes or dots-only names. */
export function proofPath({ tenantId, jobId, proofId, variant }: ProofKey): string {
  for (const part of [tenantId, jobId, proofId]) {
    if (!SAFE.test(part) || /^\.+$/.test(part)) throw new Error(`not a storable id: ${JSON.stringify(part)}`);
  }
  return `${tenantId}/${jobId}/${proofId}/${variant}`;
}
