import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { receiptOf } from '../live-state';
import type { LiveStore } from '../live-store';

const TYPING_EVERY_MS = 2_000;

/**
 * A job's chat thread, the same for dispatchers and the technician: messages in order, typing, and
 * receipts (sent → delivered → read) on one's own messages. Showing the thread marks it delivered
 * and, while the page is visible, read.
 */
export function ChatPanel({ store, jobId }: { store: LiveStore; jobId: string }) {
  store.tick.value;
  const me = store.session.me.userId;
  const thread = store.state.thread(jobId);
  const typing = store.typing.value.get(jobId);
  const [text, setText] = useState('');
  const lastTyping = useRef(0);
  const list = useRef<HTMLOListElement>(null);
  const acknowledged = useRef({ delivered: '', read: '' });

  useEffect(() => void store.loadChat(jobId).catch(() => store.notify('error', 'Could not load the chat; it fills in as messages arrive.')), [jobId]);

  // Receipts for the newest message from someone else, once each.
  const newest = [...thread.messages].reverse().find((m) => m.authorId !== me);
  useEffect(() => {
    if (!newest) return;
    const mark = () => {
      if (acknowledged.current.delivered !== newest.messageId && store.client.send('chat.delivered', { jobId, messageId: newest.messageId })) {
        acknowledged.current.delivered = newest.messageId;
      }
      if (document.visibilityState === 'visible' && acknowledged.current.read !== newest.messageId && store.client.send('chat.read', { jobId, messageId: newest.messageId })) {
        acknowledged.current.read = newest.messageId;
      }
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [newest?.messageId, store.connection.value]);

  useEffect(() => list.current?.lastElementChild?.scrollIntoView({ block: 'end' }), [thread.messages.length]);

  const send = (event: SubmitEvent) => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    if (!store.client.send('chat.send', { jobId, text: body, clientMessageId: crypto.randomUUID() })) {
      store.notify('error', 'Not connected: the message was not sent. It can be sent again when the indicator shows Live.');
      return;
    }
    setText('');
  };
  const onInput = (event: InputEvent) => {
    setText((event.target as HTMLInputElement).value);
    if (Date.now() - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = Date.now();
      store.client.send('chat.typing', { jobId });
    }
  };

  return html`
    <section class="chat" data-testid="chat">
      <ol ref=${list}>
        ${thread.messages.map((m) => html`
          <li key=${m.messageId} class=${m.authorId === me ? 'mine' : 'theirs'} data-testid="chat-message">
            <span class="author">${m.authorId === me ? 'You' : m.authorRole}</span>
            <span class="text">${m.text}</span>
            ${m.authorId === me && html`<span class="receipt" data-testid="receipt" data-receipt=${receiptOf(thread, m)}>${{ sent: '✓ sent', delivered: '✓✓ delivered', read: '✓✓ read' }[receiptOf(thread, m)]}</span>`}
          </li>`)}
      </ol>
      <p class="typing" data-testid="typing">${typing ? `${typing.role} is typing…` : ''}</p>
      <form onSubmit=${send}>
        <input value=${text} onInput=${onInput} placeholder="Message" aria-label="Message" maxLength=${4000} data-testid="chat-input" />
        <button type="submit">Send</button>
      </form>
    </section>
  `;
}
