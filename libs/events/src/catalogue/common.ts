import { z } from 'zod';

/**
 * A catalogue entry: the current schemaVersion of an event type and the zod schema of its `data`.
 * Types are derived from the schemas (z.output), so validation and typing cannot drift apart.
 */
export interface EventDefinition<TData extends z.ZodType = z.ZodType> {
  readonly schemaVersion: number;
  readonly data: TData;
}

export const defineEvent = <TData extends z.ZodType>(schemaVersion: number, data: TData): EventDefinition<TData> => ({
  schemaVersion,
  data,
});

// UTC only ('Z'): every producer normalises, so consumers can compare and sort the strings as they are.
export const isoDateTime = () => z.iso.datetime();

// U+0000 cannot be stored in PostgreSQL text or jsonb: an event carrying it would poison every
// projection that writes it, so it is refused where events are made and read.
const noNul = (s: string) => !s.includes('\u0000');
const NUL_MESSAGE = 'must not contain NUL characters (\\u0000)';

/** Opaque ids minted elsewhere (job ids, user ids, device serials): only "not empty" is universal. */
export const id = () => z.string().min(1).max(200).refine(noNul, NUL_MESSAGE);

export const text = (max = 2000) => z.string().trim().min(1).max(max).refine(noNul, NUL_MESSAGE);

export const latitude = () => z.number().min(-90).max(90);
export const longitude = () => z.number().min(-180).max(180);

export const geoPointSchema = z.object({ lat: latitude(), lon: longitude() });
export type GeoPoint = z.output<typeof geoPointSchema>;

export const timeWindowSchema = z
  .object({ start: isoDateTime(), end: isoDateTime() })
  .refine((w) => Date.parse(w.start) < Date.parse(w.end), { message: 'window start must be before end', path: ['end'] });
export type TimeWindow = z.output<typeof timeWindowSchema>;

export const skillsSchema = z.array(z.string().trim().min(1).max(100)).max(100);

export const empty = () => z.object({});
