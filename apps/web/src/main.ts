import { render } from 'preact';
import { html } from 'htm/preact';
import { App } from './views/app';
import './styles.css';

render(html`<${App} />`, document.getElementById('app')!);

// The app shell for working without a signal (public/sw.js); the page works without it too.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => void navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => undefined));
}
