import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { MEDIA_OPTIONS, type MediaOptions } from '../media.options';
import { findWorkerBinary } from './worker-binary';

export interface PooledWorker {
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  /** Routers (calls) on it: the pool picks the least loaded. */
  routers: number;
  index: number;
}

/** Raised when no worker can take a call (none installed, or all died and could not be replaced). */
export class MediaUnavailableError extends Error {}

/**
 * One mediasoup worker per core, each with a WebRtcServer on its own port (MEDIA_RTC_PORT + n), so a
 * deployment opens a fixed, small set of ports. A worker that dies is replaced; whoever holds calls
 * on it is told (they end those calls with a reason). Without a worker binary the app still runs and
 * says why it cannot take calls (readiness and a 503 on call creation).
 */
@Injectable()
export class WorkerPool implements OnModuleInit, OnApplicationShutdown {
  private readonly workers: (PooledWorker | undefined)[] = [];
  private unavailable?: string;
  private stopping = false;
  private workerBin?: string;
  private readonly diedListeners = new Set<(worker: PooledWorker, error: Error) => void>();

  constructor(@Inject(MEDIA_OPTIONS) private readonly options: MediaOptions) {}

  /** Why calls cannot be taken now, or undefined when they can. */
  get unavailableReason(): string | undefined {
    return this.workers.some(Boolean) ? undefined : (this.unavailable ?? 'no mediasoup worker is running');
  }

  async onModuleInit(): Promise<void> {
    const binary = findWorkerBinary({ envBin: this.options.workerBin });
    if (!('source' in binary)) {
      this.unavailable = binary.reason;
      this.options.logger.warn({ context: 'media' }, this.unavailable);
      return;
    }
    this.workerBin = binary.path;
    for (let index = 0; index < this.options.workers; index++) await this.start(index);
    this.options.logger.info({ context: 'media', workers: this.options.workers, binary: binary.path, from: binary.source, mediasoup: mediasoup.version }, 'mediasoup workers running');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const pooled of this.workers) pooled?.worker.close();
  }

  onWorkerDied(listener: (worker: PooledWorker, error: Error) => void): void {
    this.diedListeners.add(listener);
  }

  /** The least loaded worker, for a new call's router. */
  pick(): PooledWorker {
    const live = this.workers.filter((w): w is PooledWorker => w !== undefined);
    if (live.length === 0) throw new MediaUnavailableError(this.unavailableReason ?? 'no mediasoup worker');
    return live.reduce((best, w) => (w.routers < best.routers ? w : best));
  }

  private async start(index: number): Promise<void> {
    const worker = await mediasoup.createWorker({ logLevel: 'warn', workerBin: this.workerBin, appData: { index } });
    const listenInfo = {
      ip: this.options.listenIp,
      ...(this.options.announcedAddress ? { announcedAddress: this.options.announcedAddress } : {}),
      port: this.options.rtcPort + index,
    };
    const webRtcServer = await worker.createWebRtcServer({
      listenInfos: [
        { protocol: 'udp', ...listenInfo },
        { protocol: 'tcp', ...listenInfo },
      ],
    });
    const pooled: PooledWorker = { worker, webRtcServer, routers: 0, index };
    this.workers[index] = pooled;
    worker.on('died', (error) => {
      this.workers[index] = undefined;
      this.options.logger.error({ context: 'media', pid: worker.pid, index, err: error.message }, 'mediasoup worker died; replacing it');
      for (const listener of this.diedListeners) listener(pooled, error);
      if (!this.stopping) {
        this.start(index).catch((e: Error) => {
          this.unavailable = `mediasoup worker ${index} could not be restarted: ${e.message}`;
          this.options.logger.error({ context: 'media', index, err: e.message }, this.unavailable);
        });
      }
    });
  }
}
