// Keeps a list of Content-Security-Policy violations on `window.__hearthCspViolations`.
// The end-to-end tests read it: a strict CSP that silently blocks a style or a script is
// a bug the screenshot alone would not show.

declare global {
  interface Window {
    __hearthCspViolations?: string[];
  }
}

export function recordCspViolations(target: Window): void {
  const violations: string[] = [];
  target.__hearthCspViolations = violations;
  target.addEventListener('securitypolicyviolation', (event) => {
    violations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline content'}`);
  });
}
