import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from './metrics';

/**
 * Express middleware counting requests and timing them by route *template* (`/jobs/:id`, never the
 * raw path: ids would make a series per job), method and status class (`aborted` when the client left
 * first). Runs first, records at `close`, when routing has set `req.route`; requests no route matched count as `unmatched`.
 */
export function httpMetrics(metrics: Metrics) {
  const requests = metrics.counter({ name: 'fieldline_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'] as const });
  const duration = metrics.histogram({ name: 'fieldline_http_request_duration_seconds', help: 'Time to answer an HTTP request', labelNames: ['method', 'route'] as const });
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    // 'close' comes for answered and abandoned requests alike ('finish' never does for the latter)
    res.once('close', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      if (route === '/metrics') return; // the scrape itself is not traffic
      const labels = { method: req.method, route };
      requests.inc({ ...labels, status: res.writableFinished ? `${Math.floor(res.statusCode / 100)}xx` : 'aborted' });
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
