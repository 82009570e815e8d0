// npx tsx tools/bench/write-floor.ts [--sockets 10000] [--messages 20] [--bytes 200]
//
// The floor of a fan-out on this machine: CPU per write of one small buffer to each of N loopback TCP
// sockets, by a Node process that does nothing else (no WebSocket framing, no feed, no rights), the
// reader in a child process. A gateway that delivers each message to each socket with one write cannot
// cost less per delivery than this; compare it with bench:realtime's fan-out rows (ours and Centrifugo's
// CPU per delivery). Same pacing as that fan-out: a message to every socket, then 500 ms.
import { fork } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { cpuSeconds } from './proc-cpu';

const { values } = parseArgs({ options: { sockets: { type: 'string', default: '10000' }, messages: { type: 'string', default: '20' }, bytes: { type: 'string', default: '200' }, reader: { type: 'boolean', default: false } } });
const sockets = Number(values.sockets);
const PORT = 29_999;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reader(): Promise<void> {
  for (let open = 0; open < sockets; open += 200) {
    for (let i = open; i < Math.min(sockets, open + 200); i++) connect(PORT, '127.0.0.1').on('data', () => undefined).on('error', () => undefined);
    await sleep(5);
  }
  process.send!('open');
}

async function writer(): Promise<void> {
  const accepted: Socket[] = [];
  const server = createServer((s) => void accepted.push(s.setNoDelay(true))).listen(PORT, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const child = fork(__filename, ['--sockets', String(sockets), '--reader'], { execArgv: process.execArgv });
  await new Promise((r) => child.once('message', r));
  while (accepted.length < sockets) await sleep(50);
  await sleep(1000);
  const frame = Buffer.alloc(Number(values.bytes), 0x78);
  const messages = Number(values.messages);
  const before = cpuSeconds(process.pid);
  for (let m = 0; m < messages; m++) {
    for (const s of accepted) s.write(frame);
    await sleep(500);
  }
  const cpuMs = (cpuSeconds(process.pid) - before) * 1000;
  console.log(`write floor: ${sockets.toLocaleString('en')} sockets × ${messages} writes of ${frame.length} B: ${cpuMs.toFixed(0)} ms of CPU, ${((cpuMs * 1000) / (sockets * messages)).toFixed(1)} µs per write (the writer alone)`);
  child.kill();
  process.exit(0);
}

void (values.reader ? reader() : writer());
