import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import pino from 'pino';
import { logKafkaEntry } from './kafka-logger';

// kafkajs entries through pino: real trouble keeps its level, a group's normal life is not an error.

function capture() {
  const lines: { level: number; msg: string; context: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

it('logs a rebalance or a loading coordinator at info, whatever level kafkajs gave it', () => {
  const { logger, lines } = capture();
  logKafkaEntry(logger, { level: logLevel.ERROR, namespace: 'Connection', log: { message: 'Response Heartbeat(key: 12, version: 3)', error: 'The group is rebalancing, so a rejoin is needed', timestamp: '' } as never });
  logKafkaEntry(logger, { level: logLevel.ERROR, namespace: 'Connection', log: { message: 'Response GroupCoordinator', error: 'The coordinator is loading and hence can\'t process requests', timestamp: '' } as never });
  expect(lines.map((l) => l.level)).toEqual([30, 30]);
});

it('keeps real errors and warnings at their level, with the kafkajs fields', () => {
  const { logger, lines } = capture();
  logKafkaEntry(logger, { level: logLevel.ERROR, namespace: 'Producer', log: { message: 'Failed to send messages', error: 'Broker not available', timestamp: '' } as never });
  logKafkaEntry(logger, { level: logLevel.WARN, namespace: 'Consumer', log: { message: 'Restarting the consumer in 1000ms', timestamp: '' } as never });
  expect(lines.map((l) => [l.level, l.context, l.msg])).toEqual([
    [50, 'kafkajs:Producer', 'Failed to send messages'],
    [40, 'kafkajs:Consumer', 'Restarting the consumer in 1000ms'],
  ]);
});
