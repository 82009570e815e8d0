import { type ProblemMapper, type ProblemReply, problemType, problemTypeOf } from '#libs/platform';
import { RoomError } from '../engine/call-room';
import { MediaUnavailableError } from '../engine/worker-pool';

/** Media's own errors as problems; the rest is the shared mapping of every HTTP app (libs/platform). */
export const mediaProblems: ProblemMapper = (error): ProblemReply | undefined => {
  if (error instanceof MediaUnavailableError) {
    return {
      problem: { type: problemType('media-unavailable'), title: 'Service Unavailable', status: 503, detail: `calls cannot be taken now: ${error.message}`, code: 'MEDIA_UNAVAILABLE' },
      headers: { 'retry-after': '30' },
    };
  }
  if (error instanceof RoomError) {
    return { problem: { type: problemTypeOf(error.code), title: 'Conflict', status: 409, detail: error.message, code: error.code }, headers: {} };
  }
  return undefined;
};
