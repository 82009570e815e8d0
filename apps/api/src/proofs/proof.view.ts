import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ProofView {
  @ApiProperty() proofId!: string;
  @ApiProperty({ enum: ['photo', 'signature'] }) kind!: 'photo' | 'signature';
  @ApiProperty({ enum: ['image/jpeg', 'image/png', 'image/webp'], description: 'As recognised from the bytes.' }) contentType!: string;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty({ description: 'Hex SHA-256 of the original bytes; the ETag of GET url.' }) sha256!: string;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty({ description: 'The technician who took it.' }) technicianId!: string;
  @ApiPropertyOptional({ description: "A signature's signer, as they gave their name." }) signedBy?: string;
  @ApiProperty() addedAt!: string;
  @ApiProperty({ description: 'The original image (same authentication as this API).' }) url!: string;
  @ApiProperty({ description: `A JPEG thumbnail, at most 320 px on its longer side.` }) thumbnailUrl!: string;
}
