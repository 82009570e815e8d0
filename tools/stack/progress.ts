// Progress for slow steps (first Maven fetch, broker start): one rewritten line on a terminal, and at most
// one line every few seconds in CI logs, so long work is visible without flooding the log.
const isTty = Boolean(process.stdout.isTTY);

export interface Progress {
  update(text: string): void;
  done(text: string): void;
  fail(text: string): void;
}

export function progress(name: string, everyMs = 3000): Progress {
  let last = 0;
  const line = (text: string): string => `  ${name.padEnd(10)} ${text}`;
  return {
    update(text) {
      const now = Date.now();
      if (isTty) process.stdout.write(`\r\x1b[2K${line(text)}`);
      else if (now - last >= everyMs) console.log(line(text));
      else return;
      last = now;
    },
    done(text) {
      if (isTty) process.stdout.write('\r\x1b[2K');
      console.log(line(`✔ ${text}`));
    },
    fail(text) {
      if (isTty) process.stdout.write('\r\x1b[2K');
      console.error(line(`✘ ${text}`));
    },
  };
}
