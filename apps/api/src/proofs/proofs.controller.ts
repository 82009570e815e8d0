import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { parseIfMatch } from '../common/request-context';
import { IdParam, ResourceRoute } from '../common/routes';
import { AddProofQuery, ProofListView } from './dto/proofs.dto';
import type { ProofVariant } from './proof-store';
import { ProofView } from './proof.view';
import { ProofsService } from './proofs.service';

const READ = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'jobs:read' } as const;
/** The domain lets only the assigned technician add proof; other roles reach the route and get its 403. */
const FIELD = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'jobs:write' } as const;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

/**
 * Proof of service on a job: the upload is the image itself as the request body (what a phone's
 * `fetch(url, { body: blob })` and `curl --data-binary @photo.jpg` send; no multipart framing to
 * parse), and what it is comes from its bytes.
 */
@ApiTags('jobs')
@ApiCaller({ apiKey: true })
@Controller('jobs')
export class ProofsController {
  constructor(private readonly proofs: ProofsService) {}

  @Post(':jobId/proofs')
  @HttpCode(201)
  @IdParam('jobId')
  @Access(FIELD)
  @ApiConsumes(...IMAGE_TYPES)
  @ApiBody({ description: 'The JPEG, PNG or WebP image, as it is (its type is read from its bytes; the limit is PROOF_MAX_BYTES).', schema: { type: 'string', format: 'binary' } })
  @ApiHeader({ name: 'idempotency-key', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' } })
  @ApiCreatedResponse({ type: ProofView })
  @ApiProblems(404, 409, 412, 413, 415, 422)
  add(@Req() req: Request<{ jobId: string }> & { principal: Principal }, @Query() query: AddProofQuery): Promise<ProofView> {
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const call = { principal: req.principal, correlationId: req.header('x-correlation-id'), ifMatch: parseIfMatch(req.header('if-match')) };
    return this.proofs.add(call, req.params.jobId, { kind: query.kind, signedBy: query.signedBy, bytes });
  }

  @ResourceRoute('jobId', 'proofs')
  @Access(READ)
  @ApiOkResponse({ type: ProofListView })
  async list(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string): Promise<ProofListView> {
    return { items: await this.proofs.list(principal, jobId) };
  }

  @Get(':jobId/proofs/:proofId')
  @IdParam('jobId')
  @IdParam('proofId')
  @Access(READ)
  @ApiProduces(...IMAGE_TYPES)
  @ApiOkResponse({ description: 'The image as uploaded; ETag is its SHA-256.', schema: { type: 'string', format: 'binary' } })
  @ApiProblems(404)
  original(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string, @Param('proofId') proofId: string, @Res({ passthrough: true }) res: Response) {
    return this.image(principal, jobId, proofId, 'original', res);
  }

  @Get(':jobId/proofs/:proofId/thumbnail')
  @IdParam('jobId')
  @IdParam('proofId')
  @Access(READ)
  @ApiProduces('image/jpeg')
  @ApiOkResponse({ description: 'A JPEG at most 320 px on its longer side, upright.', schema: { type: 'string', format: 'binary' } })
  @ApiProblems(404)
  thumbnail(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string, @Param('proofId') proofId: string, @Res({ passthrough: true }) res: Response) {
    return this.image(principal, jobId, proofId, 'thumbnail', res);
  }

  private async image(principal: Principal, jobId: string, proofId: string, variant: ProofVariant, res: Response): Promise<StreamableFile> {
    const { bytes, contentType, sha256 } = await this.proofs.read(principal, jobId, proofId, variant);
    // never changes once recorded; private: it is behind the caller's credentials
    res.set({ etag: `"${sha256}"`, 'cache-control': 'private, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' });
    return new StreamableFile(bytes, { type: contentType, length: bytes.length });
  }
}
