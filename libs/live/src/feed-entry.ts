// Feed entries as the stream holds them: fields k(ind), t(ype), s(ubject), tech(nician), tp (traceparent), d(ata, JSON).
import type { FeedFrame, FeedKind } from '#libs/realtime-client';

export type { FeedKind };

/** One feed entry as screens receive it (the wire contract); `id` is the Redis stream id to resume from. */
export type FeedEntry = FeedFrame;

/** An entry to append (each kind with its own payload); the feed assigns its id. */
export type NewFeedEntry = FeedFrame extends infer E ? (E extends FeedFrame ? Omit<E, 'id'> : never) : never;

/** The stream fields of an entry; it takes any payload, so tools can write probe entries too. */
export function feedFields(entry: Omit<NewFeedEntry, 'data'> & { data: unknown }): string[] {
  const fields = ['k', entry.kind, 't', entry.type, 's', entry.subjectId];
  if (entry.technicianId) fields.push('tech', entry.technicianId);
  if (entry.traceparent) fields.push('tp', entry.traceparent);
  fields.push('d', JSON.stringify(entry.data));
  return fields;
}

/** An entry as the projector wrote it (the payload is trusted to match its kind). */
export function parseFeedEntry(id: string, fields: string[]): FeedEntry {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  return {
    id,
    kind: map.get('k') as FeedKind,
    type: map.get('t') ?? '',
    subjectId: map.get('s') ?? '',
    ...(map.has('tech') ? { technicianId: map.get('tech') } : {}),
    ...(map.has('tp') ? { traceparent: map.get('tp') } : {}),
    data: JSON.parse(map.get('d') ?? 'null'),
  };
}
