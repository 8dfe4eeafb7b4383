/**
 * The client every in-process API test uses: `app.inject()` with the bearer token, JSON bodies, and every
 * response checked against the served OpenAPI document (api-contract.ts) before the test sees it.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { ApiContract, type OpenApiDocument } from "./api-contract.js";

export interface ApiCall {
  token?: string;
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Sent as is (with headers giving its content type). */
  payload?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiClient {
  contract: ApiContract;
  /** Number of responses checked so far. */
  checked: () => number;
  call(method: string, path: string, req?: ApiCall): Promise<LightMyRequestResponse>;
  get(path: string, req?: ApiCall): Promise<LightMyRequestResponse>;
  post(path: string, req?: ApiCall): Promise<LightMyRequestResponse>;
  patch(path: string, req?: ApiCall): Promise<LightMyRequestResponse>;
}

export async function apiClient(app: FastifyInstance, defaultToken?: string): Promise<ApiClient> {
  const doc = await app.inject({ method: "GET", url: "/api/openapi.json" });
  if (doc.statusCode !== 200) throw new Error(`GET /api/openapi.json answered ${doc.statusCode}`);
  const contract = new ApiContract(doc.json<OpenApiDocument>());
  let checked = 0;
  const call = async (method: string, path: string, req: ApiCall = {}): Promise<LightMyRequestResponse> => {
    const headers: Record<string, string> = { ...req.headers };
    const token = req.token ?? defaultToken;
    if (token && !("authorization" in headers)) headers.authorization = `Bearer ${token}`;
    let payload = req.payload;
    if (req.json !== undefined) {
      payload = JSON.stringify(req.json);
      headers["content-type"] ??= "application/json";
    }
    const res = await app.inject({ method: method as "GET", url: path, headers, ...(payload !== undefined ? { payload } : {}) });
    contract.check({
      method,
      path,
      status: res.statusCode,
      contentType: res.headers["content-type"] as string | undefined,
      body: res.body,
    });
    checked++;
    return res;
  };
  return {
    contract,
    checked: () => checked,
    call,
    get: (p, r) => call("GET", p, r),
    post: (p, r) => call("POST", p, r),
    patch: (p, r) => call("PATCH", p, r),
  };
}
