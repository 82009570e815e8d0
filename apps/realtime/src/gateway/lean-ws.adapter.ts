import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import type { Observable } from 'rxjs';
import type { WebSocket } from 'ws';

/**
 * Nest's ws adapter with a lean per-socket message binding: one listener and a handler lookup,
 * instead of an rxjs pipeline per socket (which costs several KB per idle connection). Handlers
 * arrive wrapped by Nest (pipes, filters), so behaviour is the same; frames that are not JSON or
 * name no handler are left to the gateway, which answers them with an error frame.
 */
export class LeanWsAdapter extends WsAdapter {
  override bindMessageHandlers(client: WebSocket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    const byEvent = new Map(handlers.map((h) => [h.message as string, h.callback]));
    client.on('message', (raw: Buffer) => {
      let frame: { event?: unknown; data?: unknown };
      try {
        frame = JSON.parse(raw.toString()) as typeof frame;
      } catch {
        return;
      }
      const callback = typeof frame?.event === 'string' ? byEvent.get(frame.event) : undefined;
      if (!callback) return;
      try {
        transform(callback(frame.data, frame.event)).subscribe({
          next: (response) => {
            if (response !== undefined && response !== null && client.readyState === client.OPEN) client.send(JSON.stringify(response));
          },
          error: () => undefined, // the gateway's filter already answered with an error frame
        });
      } catch {
        // a synchronous throw is answered by the filter too; the socket keeps working
      }
    });
  }
}
