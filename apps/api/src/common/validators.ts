import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, IsString, MaxLength, MinLength } from 'class-validator';

/** A list of skill tags: up to 50, each 1–50 characters (normalised by the domain: trimmed, lower case). */
export const IsSkillList = () =>
  applyDecorators(ArrayMaxSize(50), IsString({ each: true }), MinLength(1, { each: true }), MaxLength(50, { each: true }));

/** A display name: 1–200 characters. */
export const IsName = () => applyDecorators(IsString(), MinLength(1), MaxLength(200));
