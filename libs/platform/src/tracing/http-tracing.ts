import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
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
    // 'close' comes for answered and abandoned requests alike ('finish' never does for the latter)
    res.once('close', () => {
      if (req.route?.path) span.updateName(`${req.method} ${req.baseUrl}${String(req.route.path)}`);
      if (res.writableFinished) span.setAttribute('http.response.status_code', res.statusCode);
      else span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away before the answer' });
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  };
}
