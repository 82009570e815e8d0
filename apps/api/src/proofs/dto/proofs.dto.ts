import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsText } from '../../common/validators';
import { ProofView } from '../proof.view';

export class AddProofQuery {
  @ApiProperty({ enum: ['photo', 'signature'] }) @IsIn(['photo', 'signature']) kind!: 'photo' | 'signature';
  @ApiPropertyOptional({ description: "For a signature: the signer's name as they gave it." }) @IsOptional() @IsText(200) signedBy?: string;
}

export class ProofListView {
  @ApiProperty({ type: [ProofView], description: 'Oldest first.' }) items!: ProofView[];
}
