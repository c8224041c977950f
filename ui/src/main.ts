import { mount } from 'svelte';

import './app.css';
import App from './App.svelte';
import { recordCspViolations } from './lib/csp';

recordCspViolations(window);

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });
