import { Injectable } from '@nestjs/common';
import { EventStore } from '#libs/event-store';
import type { Principal } from '../auth/principal';
import { PlacesRepository } from '../places/places.repository';
import { fieldNotesOf, type JobDetailView, toCustomerView, toSiteView } from './job-detail.view';
import { JobsService } from './jobs.service';

/** The job as the technician's page shows it: the job row joined with its site and customer, and its notes. */
@Injectable()
export class JobDetailService {
  constructor(
    private readonly jobs: JobsService,
    private readonly store: EventStore,
    private readonly places: PlacesRepository,
  ) {}

  async detail(principal: Principal, jobId: string): Promise<JobDetailView> {
    const job = await this.jobs.get(principal, jobId); // unknown, another tenant's, or not this technician's: 404
    const { tenantId } = principal;
    const [stream, siteRow] = await Promise.all([
      this.store.readStream(tenantId, jobId),
      job.siteId ? this.places.find({ tenantId, family: 'site', placeId: job.siteId }) : undefined,
    ]);
    const site = toSiteView(siteRow);
    const customerId = job.customerId ?? (siteRow?.parent_id || undefined);
    const customer = toCustomerView(customerId ? await this.places.find({ tenantId, family: 'customer', placeId: customerId }) : undefined);
    return { job, ...(site ? { site } : {}), ...(customer ? { customer } : {}), ...fieldNotesOf(stream.events) };
  }
}
