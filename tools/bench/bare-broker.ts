// The benchmark's ceiling: aedes with nothing behind it (no auth, no Kafka), on the port given.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2] ?? 18831);
Aedes.createBroker({}).then((broker) => {
  createServer((socket) => broker.handle(socket)).listen(port, '127.0.0.1', () => console.log(JSON.stringify({ event: 'listening', port })));
});
