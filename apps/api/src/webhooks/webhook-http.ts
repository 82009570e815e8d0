import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface WebhookPost {
  url: URL;
  headers: Record<string, string>;
  /** JSON for a webhook, the encrypted bytes of a push message. */
  body: string | Buffer;
  timeoutMs: number;
  /** Resolves the host for the connection (WebhookUrlPolicy's judging lookup); the socket connects to what it answers. */
  lookup?: LookupFunction;
}

// No kept-alive sockets: every delivery resolves and is judged again (WebhookUrlPolicy), which a reused
// connection would skip; and none is shared with the rest of the process.
const agents = { 'http:': new HttpAgent({ keepAlive: false }), 'https:': new HttpsAgent({ keepAlive: false }) };

const timeoutError = (ms: number) => Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' });

/**
 * One POST (a webhook delivery, a push message); resolves with the status code (the body is drained, never read). Redirects are not followed
 * (a 3xx is the answer). node:http rather than fetch: its `lookup` option is how the checked addresses
 * reach the socket. No status within `timeoutMs` rejects with a TimeoutError; a body still arriving
 * `timeoutMs` later is cut off (its socket is not reused).
 */
export function postWebhook({ url, headers, body, timeoutMs, lookup }: WebhookPost): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: agents[url.protocol as keyof typeof agents], lookup },
      (response) => {
        clearTimeout(timer);
        resolve(response.statusCode ?? 0);
        const drain = setTimeout(() => response.destroy(), timeoutMs).unref();
        response.on('error', () => undefined); // the status is what counts
        response.on('close', () => clearTimeout(drain)).resume();
      },
    );
    const timer = setTimeout(() => request.destroy(timeoutError(timeoutMs)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}
