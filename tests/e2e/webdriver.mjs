// A tiny W3C WebDriver client over plain fetch: just the endpoints the end-to-end tests
// use (sessions, elements, scripts, screenshots). tauri-driver speaks this protocol and
// forwards it to WebKitWebDriver, which drives the real Hearth window.

// The W3C key under which an element reference travels.
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    super(`WebDriver ${method} ${path} failed (${status}): ${value?.error ?? ''} ${value?.message ?? JSON.stringify(value)}`);
    this.error = value?.error;
  }
}

async function request(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let payload;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new WebDriverError(method, path, response.status, { message: text });
  }
  if (!response.ok) throw new WebDriverError(method, path, response.status, payload.value);
  return payload.value;
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** Starts a session, which launches the application named in the capabilities. */
  static async create(base, capabilities) {
    const value = await request(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, value.sessionId);
  }

  command(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  async delete() {
    await this.command('DELETE', '');
  }

  /** Elements matching a CSS selector, as references for the other calls. */
  async findAll(selector) {
    const found = await this.command('POST', '/elements', { using: 'css selector', value: selector });
    return found.map((element) => element[ELEMENT]);
  }

  async text(element) {
    return this.command('GET', `/element/${element}/text`);
  }

  async attribute(element, name) {
    return this.command('GET', `/element/${element}/attribute/${encodeURIComponent(name)}`);
  }

  async displayed(element) {
    return this.command('GET', `/element/${element}/displayed`);
  }

  async click(element) {
    await this.command('POST', `/element/${element}/click`, {});
  }

  /** Types `text` into an input as a person would (key events, so the page sees input). */
  async type(element, text) {
    await this.command('POST', `/element/${element}/clear`, {});
    await this.command('POST', `/element/${element}/value`, { text });
  }

  /** Runs a function body in the page; `arguments` holds `args`. */
  async execute(script, args = []) {
    return this.command('POST', '/execute/sync', { script, args });
  }

  async title() {
    return this.command('GET', '/title');
  }

  /** A PNG of the window, as bytes. */
  async screenshot() {
    return Buffer.from(await this.command('GET', '/screenshot'), 'base64');
  }

  /** Polls `probe` until it returns something truthy; fails with `what` after `timeoutMs`. */
  async waitFor(what, probe, { timeoutMs = 20_000, intervalMs = 50 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    for (;;) {
      try {
        const value = await probe();
        if (value) return value;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Waits for the first element matching `selector` that is displayed. */
  async waitForElement(selector, options) {
    return this.waitFor(
      `an element matching ${selector}`,
      async () => {
        for (const element of await this.findAll(selector)) {
          if (await this.displayed(element)) return element;
        }
        return null;
      },
      options,
    );
  }
}
