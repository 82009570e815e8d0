import { context, SpanKind, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { contextOf } from './tracing';

/**
 * A server span per HTTP request, continuing the caller's `traceparent` header; the handlers (and the
 * events a command appends) run inside it. Named by route template once routing has matched.
 */
export function httpTracing() {
  const tracer = trace.getTracer('fieldline');
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.header('traceparent');
    const span = tracer.startSpan(`${req.method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, header ? contextOf(header) : context.active());
    res.once('finish', () => {
      if (req.route?.path) span.updateName(`${req.method} ${req.baseUrl}${String(req.route.path)}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  };
}
