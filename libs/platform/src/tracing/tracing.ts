import { randomFillSync } from 'node:crypto';
import { type Context, context, propagation, ROOT_CONTEXT, type Span, type SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';

/** A W3C trace context header value: version-traceid-spanid-flags. */
export const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

let provider: TracerProvider | undefined;
let exporting = false;

/** Whether spans leave the process: callers skip spans that would only be thrown away (≈2 µs each). */
export const tracesExported = (): boolean => exporting;

/**
 * Tracing for one process (OpenTelemetry): W3C trace context, spans kept in async context, and — when
 * `endpoint` is set — spans exported over OTLP/HTTP. Without an endpoint nothing is recorded, but
 * every span still gets real ids: envelopes, feed frames and log lines still say which trace they
 * belong to, at the cost of two random numbers.
 */
export function startTracing(serviceName: string, endpoint?: string): { shutdown(): Promise<void> } {
  if (provider) return provider;
  exporting = Boolean(endpoint);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    sampler: endpoint ? new ParentBasedSampler({ root: new AlwaysOnSampler() }) : new AlwaysOffSampler(),
    spanProcessors: endpoint ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }), scheduledDelayMillis: 500 })] : [],
  });
  trace.setGlobalTracerProvider(provider);
  return provider;
}

const tracer = () => trace.getTracer('fieldline');

/** The context a `traceparent` continues (the root when it is absent or malformed: a new trace). */
export function contextOf(traceparent: string | undefined): Context {
  return traceparent && TRACEPARENT.test(traceparent) ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** The `traceparent` of a span, or of the active one; undefined outside any span. */
export function traceparentOf(span: Span | undefined = trace.getActiveSpan()): string | undefined {
  const ids = span?.spanContext();
  if (!ids || !trace.isSpanContextValid(ids)) return undefined;
  return `00-${ids.traceId}-${ids.spanId}-0${ids.traceFlags & 1}`;
}

/**
 * Runs `work` in a new span — a child of `parent` (a traceparent from a message) when given, else of
 * the active span — and ends it, recording a failure. Everything `work` logs carries the trace id.
 */
export function inSpan<T>(name: string, options: { parent?: string; kind?: SpanKind; attributes?: Record<string, string | number | boolean> }, work: (span: Span) => T): T {
  const parentContext = options.parent === undefined ? context.active() : contextOf(options.parent);
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parentContext);
  const end = (error?: unknown) => {
    if (error !== undefined) markFailed(span, error);
    span.end();
  };
  try {
    const result = context.with(trace.setSpan(parentContext, span), () => work(span));
    if (result instanceof Promise) return result.then((value) => (end(), value), (error: unknown) => (end(error), Promise.reject(error))) as T;
    end();
    return result;
  } catch (error) {
    end(error);
    throw error;
  }
}

/** Records a failure on a span (shown as an error in trace viewers). */
export function markFailed(span: Span | undefined, error: unknown): void {
  if (!span) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** A span that has already happened (a delivery, a projection step) with no work of ours to wrap. */
export function recordSpan(name: string, parent: string | undefined, attributes: Record<string, string | number | boolean> = {}, kind?: SpanKind): void {
  tracer().startSpan(name, { kind, attributes }, contextOf(parent)).end();
}

const idPool = Buffer.alloc(24 * 512);
let idOffset = idPool.length;

/**
 * A new trace's root traceparent without a span (random ids from a pooled buffer, ≈0.2 µs): for hot
 * paths whose spans would not be exported anyway, so the ids still travel and can be logged.
 */
export function newTraceparent(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const ids = idPool.toString('hex', idOffset, (idOffset += 24));
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-00`;
}

/** The ids of the active span for a log line (pino mixin). */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const ids = trace.getActiveSpan()?.spanContext();
  return ids && trace.isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

/** Sends what is buffered (at shutdown). */
export async function stopTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
  exporting = false;
}
