import type { EventData, GeoPoint, JobPriority, TimeWindow } from '#libs/events';
import type { Command, NoData } from '../shared/decider';

// The job is identified by its stream; commands carry only what the caller decides.

export type CreateJob = Command<
  'CreateJob',
  {
    title: string;
    description?: string;
    customerId?: string;
    siteId?: string;
    location?: GeoPoint;
    requiredSkills?: string[];
    /** Defaults to 'normal'. */
    priority?: JobPriority;
    window?: TimeWindow;
  }
>;
export type AssignJob = Command<'AssignJob', { technicianId: string }>;
export type ReassignJob = Command<'ReassignJob', { technicianId: string; reason?: string }>;
export type UnassignJob = Command<'UnassignJob', { reason?: string }>;
export type StartTravel = Command<'StartTravel', NoData>;
export type ArriveOnSite = Command<'ArriveOnSite', NoData>;
export type CompleteJob = Command<'CompleteJob', { summary?: string }>;
export type PutJobOnHold = Command<'PutJobOnHold', { reason: string }>;
export type ResumeJob = Command<'ResumeJob', NoData>;
export type CancelJob = Command<'CancelJob', { reason: string }>;
export type RescheduleJob = Command<'RescheduleJob', { window: TimeWindow }>;
export type ChangeJobPriority = Command<'ChangeJobPriority', { priority: JobPriority }>;
/** The author is the acting user (context.actor.id); the note id comes from the caller. */
export type AddJobNote = Command<'AddJobNote', { noteId: string; text: string }>;
/** What the API found the stored bytes to be; the technician is the acting one. */
export type AddProof = Command<'AddProof', Omit<EventData<'job.proof_added'>, 'technicianId'>>;

export type JobCommand =
  | CreateJob
  | AssignJob
  | ReassignJob
  | UnassignJob
  | StartTravel
  | ArriveOnSite
  | CompleteJob
  | PutJobOnHold
  | ResumeJob
  | CancelJob
  | RescheduleJob
  | ChangeJobPriority
  | AddJobNote
  | AddProof;

export type JobCommandType = JobCommand['type'];
