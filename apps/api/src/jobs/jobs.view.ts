import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export interface JobViewRow {
  tenant_id: string;
  job_id: string;
  version: number;
  status: string;
  on_hold_from: string | null;
  title: string;
  description: string | null;
  customer_id: string | null;
  site_id: string | null;
  lat: number | null;
  lon: number | null;
  priority: string;
  required_skills: string[];
  window_start: Date | null;
  window_end: Date | null;
  technician_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * JobViewRow's columns, for statements the server keeps prepared: `SELECT *` there would fail on every
 * open connection ("cached plan must not change result type") once a migration adds a column.
 */
export const JOB_VIEW_COLUMNS =
  'tenant_id, job_id, version, status, on_hold_from, title, description, customer_id, site_id, lat, lon, priority, required_skills, window_start, window_end, technician_id, created_at, updated_at';

export class JobView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Stream version; sent as ETag, give it back in If-Match.' }) version!: number;
  @ApiProperty() status!: string;
  @ApiPropertyOptional({ description: 'While on hold: the status it resumes to.' }) onHoldFrom?: string;
  @ApiProperty() title!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional() customerId?: string;
  @ApiPropertyOptional() siteId?: string;
  @ApiPropertyOptional() location?: { lat: number; lon: number };
  @ApiProperty() priority!: string;
  @ApiProperty() requiredSkills!: string[];
  @ApiPropertyOptional() window?: { start: string; end: string };
  @ApiPropertyOptional() technicianId?: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export function toJobView(row: JobViewRow): JobView {
  return {
    id: row.job_id,
    version: row.version,
    status: row.status,
    ...(row.on_hold_from ? { onHoldFrom: row.on_hold_from } : {}),
    title: row.title,
    ...(row.description ? { description: row.description } : {}),
    ...(row.customer_id ? { customerId: row.customer_id } : {}),
    ...(row.site_id ? { siteId: row.site_id } : {}),
    ...(row.lat !== null && row.lon !== null ? { location: { lat: row.lat, lon: row.lon } } : {}),
    priority: row.priority,
    requiredSkills: row.required_skills,
    ...(row.window_start && row.window_end ? { window: { start: row.window_start.toISOString(), end: row.window_end.toISOString() } } : {}),
    ...(row.technician_id ? { technicianId: row.technician_id } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
