import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { newEventId as uuidv7 } from '#libs/events';
import { EventStore } from '#libs/event-store';
import type { EventData, FieldlineEvent } from '#libs/events';
import type { Principal } from '../auth/principal';
import { JobsError } from '../jobs/jobs.errors';
import { type CallInfo, JobsService } from '../jobs/jobs.service';
import { inspectImage } from './proof-image';
import { ProofStore, type ProofVariant, type StoredProof } from './proof-store';
import type { ProofView } from './proof.view';

export interface NewProof {
  kind: 'photo' | 'signature';
  signedBy?: string;
  bytes: Buffer;
}

/**
 * Proof of service: decided first (a refusal stores nothing), then the bytes go to the ProofStore,
 * then job.proof_added is appended (decided again). A crash or a change between store and append
 * leaves an object no event names, and no acknowledgement: never an event without its bytes. Only
 * recorded proofs are served.
 */
@Injectable()
export class ProofsService {
  constructor(
    private readonly jobs: JobsService,
    private readonly events: EventStore,
    private readonly store: ProofStore,
  ) {}

  async add(call: CallInfo, jobId: string, proof: NewProof): Promise<ProofView> {
    const { tenantId } = call.principal;
    await this.jobs.get(call.principal, jobId); // unknown, another tenant's, or not this technician's: 404 before decoding anything
    const image = await inspectImage(proof.bytes);
    const proofId = `prf_${uuidv7()}`;
    const data = {
      proofId,
      kind: proof.kind,
      contentType: image.contentType,
      sizeBytes: proof.bytes.length,
      sha256: createHash('sha256').update(proof.bytes).digest('hex'),
      width: image.width,
      height: image.height,
      ...(proof.signedBy ? { signedBy: proof.signedBy } : {}),
    };
    await this.jobs.precheck(call, jobId, 'AddProof', data); // a refusal stores nothing
    const key = { tenantId, jobId, proofId };
    await this.store.put({ ...key, variant: 'original' }, { bytes: proof.bytes, contentType: image.contentType });
    await this.store.put({ ...key, variant: 'thumbnail' }, { bytes: image.thumbnail, contentType: 'image/jpeg' });
    await this.jobs.execute(call, jobId, 'AddProof', data);
    const events = await this.proofEvents(call.principal, jobId);
    return toProofView(jobId, events.find((e) => e.data.proofId === proofId)!);
  }

  async list(principal: Principal, jobId: string): Promise<ProofView[]> {
    return (await this.proofEvents(principal, jobId)).map((e) => toProofView(jobId, e));
  }

  async read(principal: Principal, jobId: string, proofId: string, variant: ProofVariant): Promise<StoredProof & { sha256: string }> {
    const recorded = (await this.proofEvents(principal, jobId)).find((e) => e.data.proofId === proofId);
    if (!recorded) throw JobsError.proofNotFound(jobId, proofId);
    const stored = await this.store.get({ tenantId: principal.tenantId, jobId, proofId, variant });
    if (!stored) throw new Error(`proof ${proofId} of job ${jobId} is recorded but its ${variant} is missing from the store`);
    return { ...stored, sha256: variant === 'original' ? recorded.data.sha256 : createHash('sha256').update(stored.bytes).digest('hex') };
  }

  /** Only what the job's events recorded: an object in the store without its event (a refused upload) is never served. */
  private async proofEvents(principal: Principal, jobId: string): Promise<ProofEvent[]> {
    await this.jobs.get(principal, jobId); // tenant and technician visibility, as every job read
    const { events } = await this.events.readStream(principal.tenantId, jobId);
    return events.filter((e): e is ProofEvent => e.type === 'job.proof_added');
  }
}

type ProofEvent = FieldlineEvent & { type: 'job.proof_added'; data: EventData<'job.proof_added'> };

function toProofView(jobId: string, event: ProofEvent): ProofView {
  const base = `/jobs/${jobId}/proofs/${event.data.proofId}`;
  return { ...event.data, addedAt: event.occurredAt, url: base, thumbnailUrl: `${base}/thumbnail` };
}
