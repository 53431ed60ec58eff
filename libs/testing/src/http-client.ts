/** A small fetch wrapper for tests: JSON in and out, a cookie jar of one session. */
export class TestClient {
  private cookie: string | null = null;

  constructor(readonly baseUrl: string) {}

  async request(
    method: string,
    path: string,
    options: { body?: string | Buffer | object; contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; headers: Headers; body: any; text: string }> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Buffer | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
        body = options.body;
        headers['content-type'] = options.contentType ?? 'text/plain';
      } else {
        body = JSON.stringify(options.body);
        headers['content-type'] = options.contentType ?? 'application/json';
      }
    }
    if (this.cookie && headers.cookie === undefined) headers.cookie = this.cookie;
    if (method !== 'GET' && headers.origin === undefined && this.cookie) headers.origin = this.baseUrl;
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const pair = setCookie.split(';')[0]!;
      this.cookie = pair.endsWith('=') ? null : pair;
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely
    return { status: res.status, headers: res.headers, body: parsed as any, text };
  }

  /** POSTs alert lines with an integration token. */
  postLines(lines: string | string[], token: string, contentType = 'text/plain; charset=utf-8') {
    const text = Array.isArray(lines) ? lines.join('\n') : lines;
    return this.request('POST', '/api/v1/alerts', { body: text, contentType, headers: { authorization: `Bearer ${token}` } });
  }

  async login(username: string, password: string) {
    return this.request('POST', '/api/v1/auth/login', { body: { username, password }, headers: { origin: this.baseUrl } });
  }

  /** The `name=value` of the session cookie, or null when signed out. */
  get sessionCookie(): string | null {
    return this.cookie;
  }
}
