/**
 * The REST API as a script drives it: the real `curl` binary against a running `tsca serve` (a child
 * process, so a synchronous curl does not block the server). Headers and body are written to files by curl
 * itself (`-D`, `-o`), so nothing here parses HTTP; the status comes from `-w '%{http_code}'`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { scratch } from "./oracles.js";

export interface CurlResponse {
  status: number;
  /** Header names lower-cased; the last response's headers (after any 100 Continue). */
  headers: Record<string, string>;
  body: string;
  /** The body parsed, when the content type is JSON (application/json or application/problem+json). */
  json: unknown;
}

export interface CurlRequest {
  method?: string;
  token?: string;
  /** Sent as the body with `content-type: application/json`. */
  json?: unknown;
  /** A raw body (with `headers` giving its content type). */
  body?: string;
  headers?: Record<string, string>;
}

/** Header lines of the last response block curl wrote with -D. */
function parseHeaders(text: string): Record<string, string> {
  const blocks = text.split(/\r?\n\r?\n/).filter((b) => b.trim() !== "");
  const last = blocks[blocks.length - 1] ?? "";
  const out: Record<string, string> = {};
  for (const line of last.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

export function curl(url: string, req: CurlRequest = {}): CurlResponse {
  const headerFile = scratch("curl-headers.txt");
  const bodyFile = scratch("curl-body.bin");
  const args = ["-sS", "--http1.1", "-D", headerFile, "-o", bodyFile, "-w", "%{http_code}", "-X", req.method ?? "GET"];
  if (req.token !== undefined) args.push("-H", `Authorization: Bearer ${req.token}`);
  let input: string | undefined;
  if (req.json !== undefined) {
    input = JSON.stringify(req.json);
    args.push("-H", "Content-Type: application/json");
  } else if (req.body !== undefined) input = req.body;
  for (const [k, v] of Object.entries(req.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (input !== undefined) args.push("--data-binary", "@-");
  args.push(url);
  const r = spawnSync("curl", args, { input: input ?? "", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`curl ${args.join(" ")} exited ${r.status}: ${r.stderr.toString()}`);
  const headers = parseHeaders(readFileSync(headerFile, "latin1"));
  // curl creates no output file for an empty body.
  const body = existsSync(bodyFile) ? readFileSync(bodyFile, "utf8") : "";
  const type = headers["content-type"] ?? "";
  const json = /^application\/(problem\+)?json/.test(type) && body !== "" ? (JSON.parse(body) as unknown) : undefined;
  return { status: Number(r.stdout.toString()), headers, body, json };
}
