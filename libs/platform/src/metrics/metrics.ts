import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds buckets from 1 ms to 10 s: HTTP requests, PUBACKs, deliveries, batches. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface MetricOptions<Label extends string> {
  name: string;
  help: string;
  labelNames?: readonly Label[];
}

/**
 * The app's Prometheus registry (prom-client) and the one place its metrics are declared. Every series
 * carries `app`; declaring a metric twice returns the first (modules and tests may start twice in one
 * process). Names follow Prometheus' conventions: `fieldline_` prefix, base units, `_total` counters.
 * Never a tenant id as a label on a high-cardinality series.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly declared = new Map<string, Counter | Gauge | Histogram>();

  constructor(readonly app: string, options: { defaults?: boolean } = {}) {
    this.registry.setDefaultLabels({ app });
    // process CPU and memory, event-loop lag, GC pauses (nodejs_gc_duration_seconds), handles
    if (options.defaults !== false) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }

  counter<Label extends string = never>(options: MetricOptions<Label>): Counter<Label> {
    return this.declare(options.name, () => new Counter({ ...options, labelNames: options.labelNames ?? [], registers: [this.registry] })) as Counter<Label>;
  }

  gauge<Label extends string = never>(options: MetricOptions<Label> & { collect?: (this: Gauge<Label>) => void | Promise<void> }): Gauge<Label> {
    return this.declare(options.name, () => new Gauge({ ...options, labelNames: options.labelNames ?? [], registers: [this.registry] })) as Gauge<Label>;
  }

  histogram<Label extends string = never>(options: MetricOptions<Label> & { buckets?: number[] }): Histogram<Label> {
    return this.declare(
      options.name,
      () => new Histogram({ buckets: LATENCY_BUCKETS, ...options, labelNames: options.labelNames ?? [], registers: [this.registry] }),
    ) as Histogram<Label>;
  }

  /** The exposition text, as Prometheus scrapes it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private declare(name: string, create: () => Counter | Gauge | Histogram): Counter | Gauge | Histogram {
    let metric = this.declared.get(name);
    if (!metric) {
      metric = create();
      this.declared.set(name, metric);
    }
    return metric;
  }
}
