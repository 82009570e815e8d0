// The signed-in user and every REST call the pages make: the access token is refreshed before it
// expires (and once more on a 401), errors arrive as problem+json and become ApiError.

export type Role = 'admin' | 'dispatcher' | 'technician' | 'integrator';

export interface Me {
  userId: string;
  tenantId: string;
  role: Role;
  technicianId?: string;
  email: string;
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
  /** Its whole lifetime (ms), to renew at a fitting moment. */
  lifetimeMs: number;
}

/** A refused request, with the API's problem details (title, detail, code). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly code?: string,
  ) {
    super(detail || title);
  }
}

const STORAGE_KEY = 'fieldline.session';

function claimsOf(accessToken: string): { sub: string; tid: string; role: Role; tech?: string } {
  const payload = accessToken.split('.')[1] ?? '';
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
}

export class Session {
  private refreshing?: Promise<void>;

  private constructor(
    private tokens: Tokens,
    readonly me: Me,
  ) {}

  /** The session kept in this tab (sessionStorage: each tab signs in on its own, as a second dispatcher would). */
  static restore(): Session | undefined {
    const saved = sessionStorage.getItem(STORAGE_KEY);
    if (!saved) return undefined;
    const { tokens, email } = JSON.parse(saved) as { tokens: Tokens; email: string };
    return Session.of(tokens, email);
  }

  static async login(email: string, password: string): Promise<Session> {
    const pair = await request('/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
    const session = Session.of(toTokens(pair), email);
    session.save();
    return session;
  }

  private static of(tokens: Tokens, email: string): Session {
    const claims = claimsOf(tokens.accessToken);
    return new Session(tokens, { userId: claims.sub, tenantId: claims.tid, role: claims.role, ...(claims.tech ? { technicianId: claims.tech } : {}), email });
  }

  /** A valid access token, refreshed first when it has under 30 s left. */
  async accessToken(): Promise<string> {
    if (this.tokens.expiresAt - Date.now() < 30_000) await this.refresh();
    return this.tokens.accessToken;
  }

  /** Whether the access token is in the last third of its life (or the last 90 s): time to renew. */
  get renewalDue(): boolean {
    return this.tokens.expiresAt - Date.now() < Math.min(90_000, (this.tokens.lifetimeMs ?? 0) / 3);
  }

  /** A fresh access token now (for the realtime socket's `auth` frame before the old one runs out). */
  async renew(): Promise<string> {
    await this.refresh();
    return this.tokens.accessToken;
  }

  async logout(): Promise<void> {
    sessionStorage.removeItem(STORAGE_KEY);
    await request('/auth/logout', { method: 'POST', body: JSON.stringify({ refreshToken: this.tokens.refreshToken }) }).catch(() => undefined);
  }

  get<T = any>(path: string): Promise<T> {
    return this.call<T>(path, { method: 'GET' });
  }

  /** JSON, or a Blob sent as it is with its own type (an image upload); `headers` such as Idempotency-Key. */
  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const payload = body === undefined ? {} : { body: body instanceof Blob ? body : JSON.stringify(body) };
    return this.call<T>(path, { method: 'POST', ...payload, headers });
  }

  delete(path: string): Promise<void> {
    return this.call<void>(path, { method: 'DELETE' });
  }

  /** The raw response (downloads such as GPX). */
  async download(path: string): Promise<Blob> {
    const response = await fetch(path, { headers: { authorization: `Bearer ${await this.accessToken()}` } });
    if (!response.ok) throw await errorOf(response);
    return response.blob();
  }

  private async call<T>(path: string, init: RequestInit, retried = false): Promise<T> {
    try {
      return (await request(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${await this.accessToken()}` } })) as T;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && !retried) {
        await this.refresh();
        return this.call<T>(path, init, true);
      }
      throw error;
    }
  }

  private refresh(): Promise<void> {
    // One refresh at a time: refresh tokens are single use.
    this.refreshing ??= request('/auth/refresh', { method: 'POST', body: JSON.stringify({ refreshToken: this.tokens.refreshToken }) })
      .then((pair) => {
        this.tokens = toTokens(pair);
        this.save();
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private save(): void {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ tokens: this.tokens, email: this.me.email }));
  }
}

function toTokens(pair: { accessToken: string; refreshToken: string; expiresIn: number }): Tokens {
  return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: Date.now() + pair.expiresIn * 1000, lifetimeMs: pair.expiresIn * 1000 };
}

async function request(path: string, init: RequestInit): Promise<any> {
  const headers = new Headers(init.headers);
  if (init.body instanceof Blob) headers.set('content-type', init.body.type || 'application/octet-stream');
  else if (init.body !== undefined) headers.set('content-type', 'application/json');
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'Network error', 'The server cannot be reached; check the connection and try again.');
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined;
  return response.headers.get('content-type')?.includes('json') ? response.json() : response.text();
}

async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as { title?: string; detail?: string; code?: string };
  return new ApiError(response.status, body.title ?? response.statusText, body.detail ?? '', body.code);
}
