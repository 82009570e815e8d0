import { render } from 'preact';
import { html } from 'htm/preact';
import { App } from './views/app';
import './styles.css';

render(html`<${App} />`, document.getElementById('app')!);
