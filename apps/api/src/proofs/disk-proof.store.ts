import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type ProofKey, ProofStore, proofPath, type StoredProof } from './proof-store';

/**
 * Proofs as files under one directory: `<dir>/<tenant>/<job>/<proof>/<variant>` and a `.type` file
 * beside it. Written to a temporary name and renamed, so a crash never leaves half an image under the
 * real name. One host, or a volume every API instance mounts.
 */
export class DiskProofStore extends ProofStore {
  private readonly root: string;

  constructor(dir: string) {
    super();
    this.root = resolve(dir);
  }

  async put(key: ProofKey, { bytes, contentType }: StoredProof): Promise<void> {
    const path = join(this.root, proofPath(key));
    await mkdir(dirname(path), { recursive: true });
    await this.atomicWrite(`${path}.type`, contentType);
    await this.atomicWrite(path, bytes);
  }

  async get(key: ProofKey): Promise<StoredProof | undefined> {
    const path = join(this.root, proofPath(key));
    try {
      const [bytes, contentType] = await Promise.all([readFile(path), readFile(`${path}.type`, 'utf8')]);
      return { bytes, contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private async atomicWrite(path: string, data: Buffer | string): Promise<void> {
    const temporary = `${path}.${randomUUID()}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, path);
  }
}
