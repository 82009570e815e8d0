import { Body, Controller, Get, Headers, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Clock, PublicRoute } from '#libs/platform';
import { DeviceDirectory } from '../devices/device-directory.service';
import { INGEST_OPTIONS, type IngestOptions } from '../ingest.options';
import { mapOsmAnd } from '../telemetry/telemetry-mapper';
import { TelemetryPublisher } from '../telemetry/telemetry.publisher';

const problem = (res: Response, status: number, slug: string, title: string, detail: string) =>
  res.status(status).type('application/problem+json').send({ type: `https://fieldline.dev/problems/${slug}`, title, status, detail });

/**
 * Traccar Client (and other OsmAnd senders) over HTTP: GET or POST /osmand with the fields as query
 * or form body. Authenticated like MQTT: `id` is the device id, the secret comes as HTTP Basic
 * password or a `password` field. 200 once Kafka holds the record (or its dead letter); 401 for bad
 * credentials; 503 with Retry-After when Kafka cannot take it, so the client retries.
 */
@Controller('osmand')
@PublicRoute()
export class OsmAndController {
  constructor(
    private readonly devices: DeviceDirectory,
    private readonly telemetry: TelemetryPublisher,
    private readonly clock: Clock,
    @Inject(INGEST_OPTIONS) private readonly options: IngestOptions,
  ) {}

  @Get()
  get(@Query() query: Record<string, string>, @Headers('authorization') auth: string | undefined, @Req() req: Request, @Res() res: Response) {
    return this.handle(query, auth, Buffer.from(req.originalUrl), res);
  }

  @Post()
  post(@Query() query: Record<string, string>, @Body() body: unknown, @Headers('authorization') auth: string | undefined, @Req() req: Request, @Res() res: Response) {
    const fields = { ...query, ...(typeof body === 'object' && body !== null ? (body as Record<string, string>) : {}) };
    return this.handle(fields, auth, Buffer.from(`${req.originalUrl}\n${JSON.stringify(body ?? {})}`), res);
  }

  private async handle(fields: Record<string, string>, auth: string | undefined, raw: Buffer, res: Response): Promise<void> {
    const basic = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':') : [];
    const deviceId = String(fields.id ?? fields.deviceid ?? basic[0] ?? '');
    const secret = String(basic[1] ?? fields.password ?? '');
    let device: Awaited<ReturnType<DeviceDirectory['authenticate']>>;
    try {
      device = deviceId && secret ? await this.devices.authenticate(deviceId, secret) : undefined;
    } catch {
      res.set('retry-after', '5'); // the device directory cannot answer now: retry, the secret may be fine
      problem(res, 503, 'unavailable', 'Service Unavailable', 'the device could not be checked yet; retry');
      return;
    }
    if (!device) {
      res.set('www-authenticate', 'Basic realm="fieldline-ingest"');
      problem(res, 401, 'unauthorized', 'Unauthorized', 'unknown device id or wrong secret');
      return;
    }
    try {
      const outcome = await this.telemetry.publish(device, mapOsmAnd(fields, raw, device, this.clock.now(), this.options), raw, 'ingest.osmand');
      res.status(200).type('text/plain').send(outcome);
    } catch {
      res.set('retry-after', '5');
      problem(res, 503, 'unavailable', 'Service Unavailable', 'the record could not be stored yet; retry');
    }
  }
}
