import sharp from 'sharp';
import { problem } from '#libs/platform';

export type ProofContentType = 'image/jpeg' | 'image/png' | 'image/webp';

/** The longest side of a thumbnail, in pixels: a 2× list tile on a phone. */
export const THUMBNAIL_PX = 320;
/** A 50-megapixel photo is the most any phone camera takes; more is a decompression bomb. */
const MAX_PIXELS = 50_000_000;

/** What the bytes are by their first bytes (magic numbers), whatever Content-Type the uploader declared. */
export function sniffImage(bytes: Buffer): ProofContentType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

export interface InspectedImage {
  contentType: ProofContentType;
  width: number;
  height: number;
  /** JPEG, at most THUMBNAIL_PX on its longer side, turned upright by the photo's EXIF orientation. */
  thumbnail: Buffer;
}

const unsupported = (detail: string) => problem(415, 'unsupported-proof-type', 'Unsupported Media Type', detail, { code: 'UNSUPPORTED_PROOF_TYPE' });

/**
 * Checks an upload is an image we keep (JPEG, PNG or WebP, by its bytes), decodes it fully (a file
 * with an image's header and garbage behind it is refused here, not shown broken later), and makes
 * its thumbnail.
 */
export async function inspectImage(bytes: Buffer): Promise<InspectedImage> {
  const contentType = sniffImage(bytes);
  if (!contentType) throw unsupported('a proof must be a JPEG, PNG or WebP image (recognised by its content, not its declared type)');
  try {
    const image = sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
    const { width, height } = await image.metadata();
    const thumbnail = await image.rotate().resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer();
    if (!width || !height) throw new Error('no dimensions');
    return { contentType, width, height, thumbnail };
  } catch (error) {
    throw unsupported(`the ${contentType} image cannot be decoded: ${(error as Error).message}`);
  }
}
