import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FieldlineEvent } from '#libs/events';
import type { PlaceRow } from '../places/places.repository';
import { JobView } from './jobs.view';

class GeoPointView {
  @ApiProperty() lat!: number;
  @ApiProperty() lon!: number;
}

export class JobSiteView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() address!: string;
  @ApiProperty({ type: GeoPointView }) location!: GeoPointView;
}

export class JobCustomerView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional() phone?: string;
  @ApiPropertyOptional() email?: string;
}

export class JobNoteView {
  @ApiProperty() noteId!: string;
  @ApiProperty() text!: string;
  @ApiProperty() authorId!: string;
  @ApiProperty() at!: string;
}

/** Everything a technician needs at the door, in one read: the job, where, who, and what was said. */
export class JobDetailView {
  @ApiProperty({ type: JobView }) job!: JobView;
  @ApiPropertyOptional({ type: JobSiteView, description: 'Absent when the job has no site, or the site is retired.' }) site?: JobSiteView;
  @ApiPropertyOptional({ type: JobCustomerView, description: "The job's customer, else the site's." }) customer?: JobCustomerView;
  @ApiProperty({ type: [JobNoteView], description: 'Oldest first.' }) notes!: JobNoteView[];
  @ApiPropertyOptional({ description: 'What the technician wrote on completion.' }) summary?: string;
}

const active = (row: PlaceRow | undefined) => (row?.status === 'active' ? row : undefined);

export function toSiteView(row: PlaceRow | undefined): JobSiteView | undefined {
  const site = active(row);
  if (!site) return undefined;
  const { address, location } = site.data as { address: string; location: GeoPointView };
  return { id: site.place_id, name: site.name, address, location };
}

export function toCustomerView(row: PlaceRow | undefined): JobCustomerView | undefined {
  const customer = active(row);
  if (!customer) return undefined;
  const { phone, email } = customer.data as { phone?: string; email?: string };
  return { id: customer.place_id, name: customer.name, ...(phone ? { phone } : {}), ...(email ? { email } : {}) };
}

/** Notes and the completion summary, from the job's stream (short: a job has tens of events). */
export function fieldNotesOf(events: FieldlineEvent[]): Pick<JobDetailView, 'notes' | 'summary'> {
  const notes: JobNoteView[] = [];
  let summary: string | undefined;
  for (const event of events) {
    if (event.type === 'job.note_added') notes.push({ noteId: event.data.noteId, text: event.data.text, authorId: event.data.authorId, at: event.occurredAt });
    if (event.type === 'job.completed') summary = event.data.summary;
  }
  return { notes, ...(summary ? { summary } : {}) };
}
