// Imported first by main.ts, before any other module has run.
//
// V8's allocation-site pretenuring watches how many objects from each allocation site survive a
// scavenge; past a threshold it allocates that site's objects straight into the old generation, and
// the decision sticks. In ingest a burst (the saturation of a backlog, a slow Kafka ack) keeps
// per-message objects alive across a scavenge for a moment, their sites get tenured, and from then on
// every message's short-lived objects fill the old generation: 16.5–17.7 MB/s promoted instead of 6.7
// at 10,000 msg/s, a full GC every ~10 s and a 0.5–1 s latency episode after each one (bench:ingest,
// docs/performance.md). The flag is process-wide, so the Kafka producer thread gets it too.
//
// The producer thread's isolate is created later, so a heap setting made here applies to it (the main
// isolate is configured already). Its live heap is ~7 MB; V8 sized its old generation so closely that it
// ran a full GC every 0.3–0.7 s (48 in 15 s at 10,000 msg/s). A 32 MB floor makes that a few per run.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
setFlagsFromString('--initial-old-space-size=32');
