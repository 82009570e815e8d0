import { Body, Controller, Get, HttpCode, NotFoundException, Param, type PipeTransform, Post, Query, Req } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Access } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { parseIfMatch } from '../common/request-context';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { CommandRoute, IdParam, ResourceRoute } from '../common/routes';
import { DevicesService } from './devices.service';
import { DeviceCertificateRequestDto, DeviceCommandDto, LinkDeviceDto, RevokeDeviceCertificateDto, ListDevicesQuery, ProvisionDeviceDto, RevokeDeviceDto, UnlinkDeviceDto } from './dto/devices.dto';

const READ = { roles: ['admin', 'dispatcher', 'integrator'], scope: 'devices:read' } as const;
const MANAGE = { roles: ['admin', 'dispatcher', 'integrator'], scope: 'devices:write' } as const;

type Call = Request<{ deviceId: string; serial: string }> & { principal: Principal };
/** A certificate serial as the API issues them: lower-case hex. */
const SERIAL_PATTERN = /^[0-9a-f]{2,64}$/;
/** Any other serial names no certificate: 404, as for an id of the wrong shape. */
class SerialPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SERIAL_PATTERN.test(value)) throw new NotFoundException(`no certificate with serial ${value.slice(0, 80)}`);
    return value;
  }
}

const info = (call: Call) => ({ principal: call.principal, correlationId: call.header('x-correlation-id'), ifMatch: parseIfMatch(call.header('if-match')) });

@ApiTags('devices')
@ApiCaller({ apiKey: true })
@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  /** Returns the device and its secret — the only time the secret is ever shown. */
  @Post()
  @Access(MANAGE)
  @ApiProblems(404, 409)
  provision(@Req() call: Call, @Body() body: ProvisionDeviceDto) {
    return this.devices.provision(info(call), body);
  }

  @Get()
  @Access(READ)
  list(@Req() call: Call, @Query() query: ListDevicesQuery) {
    return this.devices.list(call.principal, query);
  }

  @ResourceRoute('deviceId')
  @Access(READ)
  get(@Req() call: Call) {
    return this.devices.get(call.principal, call.params.deviceId);
  }

  /** A new secret, shown once; the old one stops working at once. */
  @CommandRoute('deviceId', 'rotate')
  @Access(MANAGE)
  rotate(@Req() call: Call) {
    return this.devices.rotate(info(call), call.params.deviceId);
  }

  @CommandRoute('deviceId', 'link')
  @Access(MANAGE)
  link(@Req() call: Call, @Body() body: LinkDeviceDto) {
    return this.devices.change(info(call), call.params.deviceId, 'LinkDevice', { ...body });
  }

  @CommandRoute('deviceId', 'unlink')
  @Access(MANAGE)
  unlink(@Req() call: Call, @Body() body: UnlinkDeviceDto) {
    return this.devices.change(info(call), call.params.deviceId, 'UnlinkDevice', { ...body });
  }

  /** Queues a command for the device; 202: it is delivered when the device is (or comes) online. */
  @Post(':deviceId/commands')
  @IdParam('deviceId')
  @ApiProblems(404, 409)
  @HttpCode(202)
  @Access(MANAGE)
  command(@Req() call: Call, @Body() body: DeviceCommandDto) {
    return this.devices.command(info(call), call.params.deviceId, body.command, body.args);
  }

  /**
   * Signs a CSR made on the device: a client certificate for MQTT over TLS without a secret (mutual TLS).
   * The answer holds the certificate and the device CA's; the private key never leaves the device.
   */
  @Post(':deviceId/certificate')
  @IdParam('deviceId')
  @ApiProblems(404, 409, 412, 422)
  @Access(MANAGE)
  issueCertificate(@Req() call: Call, @Body() body: DeviceCertificateRequestDto) {
    return this.devices.issueCertificate(info(call), call.params.deviceId, body.csr);
  }

  @ResourceRoute('deviceId', 'certificates')
  @Access(READ)
  certificates(@Req() call: Call) {
    return this.devices.certificates(call.principal, call.params.deviceId);
  }

  /** The device is refused at its next TLS connect, and a session it holds with that certificate is closed. */
  @Post(':deviceId/certificates/:serial/revoke')
  @HttpCode(200)
  @IdParam('deviceId')
  @ApiParam({ name: 'serial', schema: { type: 'string', pattern: SERIAL_PATTERN.source } })
  @ApiProblems(404, 409, 412, 422)
  @Access(MANAGE)
  revokeCertificate(@Req() call: Call, @Param('serial', new SerialPipe()) serial: string, @Body() body: RevokeDeviceCertificateDto) {
    return this.devices.revokeCertificate(info(call), call.params.deviceId, serial, body.reason);
  }

  @CommandRoute('deviceId', 'revoke')
  @Access(MANAGE)
  revoke(@Req() call: Call, @Body() body: RevokeDeviceDto) {
    return this.devices.change(info(call), call.params.deviceId, 'RevokeDevice', { reason: body.reason });
  }
}
