import { mount } from 'svelte';

import './app.css';
import App from './App.svelte';
import { recordCspViolations } from './lib/csp';
import { locale } from './lib/i18n';
import { followSystemTheme } from './lib/theme/theme.svelte';

recordCspViolations(window);
document.documentElement.lang = locale();
followSystemTheme(window.matchMedia?.('(prefers-color-scheme: dark)') ?? null);

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });
