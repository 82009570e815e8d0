// A small HTTP client for the API e2e tests: JSON in, status + headers + JSON (or text, for GPX …) out.

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly auth: Record<string, string> = {},
  ) {}

  /** The headers that authenticate this client (for requests it does not make itself: binary downloads). */
  get credentials(): Record<string, string> {
    return { ...this.auth };
  }

  as(token: string): ApiClient {
    return new ApiClient(this.baseUrl, { authorization: `Bearer ${token}` });
  }

  /** The same credentials against another instance (the API is stateless; tokens work on any). */
  at(baseUrl: string): ApiClient {
    return new ApiClient(baseUrl, this.auth);
  }

  withApiKey(key: string): ApiClient {
    return new ApiClient(this.baseUrl, { 'x-api-key': key });
  }

  get<T = any>(path: string, headers: Record<string, string> = {}) {
    return this.send<T>('GET', path, undefined, headers);
  }

  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.send<T>('POST', path, body, headers);
  }

  async send<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const json = /json/.test(response.headers.get('content-type') ?? 'application/json');
    return { status: response.status, headers: response.headers, body: text ? (json ? JSON.parse(text) : text) : undefined };
  }
}
