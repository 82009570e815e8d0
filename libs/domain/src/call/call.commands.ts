import type { Command, NoData } from '../shared/decider';

// The call is identified by its stream; commands carry only what the caller decides. The acting user
// and the time come in the context.

export type CreateCall = Command<
  'CreateCall',
  { callId: string; technicianIds: string[]; jobId?: string; mode: 'audio' | 'video'; ptt: boolean; record: boolean; consent: boolean }
>;
export type JoinCall = Command<'JoinCall', NoData>;
export type DeclineCall = Command<'DeclineCall', NoData>;
/** The actor leaves; `reason` says why (hung up, their connection is gone for good …). */
export type LeaveCall = Command<'LeaveCall', { reason: string }>;
export type EndCall = Command<'EndCall', { reason: string }>;
/** The clock passed: invitees still ringing past the ring timeout have missed the call. */
export type ExpireRinging = Command<'ExpireRinging', NoData>;

export type CallCommand = CreateCall | JoinCall | DeclineCall | LeaveCall | EndCall | ExpireRinging;

export type CallCommandType = CallCommand['type'];
