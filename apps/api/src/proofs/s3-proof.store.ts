import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type ProofKey, ProofStore, proofPath, type StoredProof } from './proof-store';

export interface S3ProofStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible server; unset: AWS. */
  endpoint?: string;
  pathStyle: boolean;
  prefix: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Proofs in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2 …), signed with Signature V4 by the AWS SDK. */
export class S3ProofStore extends ProofStore {
  private readonly client: S3Client;

  constructor(private readonly options: S3ProofStoreOptions) {
    super();
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.pathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // checksums only where the operation needs them: several S3-compatible servers refuse the SDK's new default trailers
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: ProofKey, { bytes, contentType }: StoredProof): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key), Body: bytes, ContentType: contentType, ContentLength: bytes.length }));
  }

  async get(key: ProofKey): Promise<StoredProof | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      return { bytes, contentType: object.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  destroy(): void {
    this.client.destroy();
  }

  private keyOf(key: ProofKey): string {
    return `${this.options.prefix}${proofPath(key)}`;
  }
}
