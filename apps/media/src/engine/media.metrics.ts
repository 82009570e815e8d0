import { Injectable } from '@nestjs/common';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { Metrics } from '#libs/platform';

/**
 * The SFU's series, from mediasoup's own observer (every worker, router, transport, producer and
 * consumer this process creates, whoever creates it): live counts, worker deaths, the consumers'
 * network-quality scores (0–10, what the pages show per participant). No call or tenant labels.
 */
@Injectable()
export class MediaMetrics {
  // Subscribed while the app is wired, before any lifecycle hook starts the first worker.
  constructor(metrics: Metrics) {
    const live = metrics.gauge({ name: 'fieldline_media_objects', help: 'Live mediasoup objects by kind (worker, router, transport, producer, consumer)', labelNames: ['kind'] as const });
    const deaths = metrics.counter({ name: 'fieldline_media_worker_deaths_total', help: 'mediasoup workers that died (the pool replaces them)' });
    const scores = metrics.histogram({
      name: 'fieldline_media_consumer_score',
      help: 'Consumer scores as mediasoup reports them (10 = no loss); a low mass means poor networks',
      buckets: [2, 4, 6, 8, 9, 10],
    });
    for (const kind of ['worker', 'router', 'transport', 'producer', 'consumer']) live.set({ kind }, 0);
    const track = (kind: string, observer: { once(event: 'close', listener: () => void): unknown }) => {
      live.inc({ kind });
      observer.once('close', () => live.dec({ kind }));
    };
    mediasoup.observer.on('newworker', (worker: types.Worker) => {
      track('worker', worker.observer);
      worker.on('died', () => deaths.inc());
      worker.observer.on('newrouter', (router: types.Router) => {
        track('router', router.observer);
        router.observer.on('newtransport', (transport: types.Transport) => {
          track('transport', transport.observer);
          transport.observer.on('newproducer', (producer: types.Producer) => track('producer', producer.observer));
          transport.observer.on('newconsumer', (consumer: types.Consumer) => {
            track('consumer', consumer.observer);
            consumer.observer.on('score', (score: types.ConsumerScore) => scores.observe(score.score));
          });
        });
      });
    });
  }
}
