/**
 * multipart/form-data (RFC 7578) for the admin's forms that carry a file (the CSR upload): a browser sends a
 * file input only this way, and the admin has no script to read it. The body is already bounded by the
 * admin's body limit and arrives whole (a CSR is a few KiB), so it is split in memory: parts are delimited
 * by CRLF "--" boundary (RFC 2046 §5.1.1), each with headers, of which Content-Disposition (RFC 7578 §4.2)
 * gives the field's name and, for a file, its filename.
 *
 * The result has the shape @fastify/formbody gives: text fields as strings (UTF-8, RFC 7578 §5.1), so the
 * CSRF check reads `_csrf` from either; a file part becomes an UploadedFile. The last part of a name wins.
 */
import type { FastifyInstance } from "fastify";
import { TscaError } from "../../../core/errors.js";

export interface UploadedFile {
  filename: string;
  data: Buffer;
}

export type FormData = Record<string, string | UploadedFile>;

export const isUploadedFile = (v: unknown): v is UploadedFile =>
  typeof v === "object" && v !== null && Buffer.isBuffer((v as UploadedFile).data);

const malformed = (why: string): TscaError => new TscaError("ERR_INVALID_ARGUMENT", `The form upload is malformed: ${why}.`);

/** The boundary parameter of a multipart/form-data Content-Type (RFC 2046 §5.1.1: 1–70 characters). */
function boundaryOf(contentType: string): string {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw malformed("no boundary in its Content-Type");
  return boundary;
}

/** A parameter of a Content-Disposition header: quoted (browsers escape `"` as %22) or a token. */
function dispositionParam(header: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}="([^"]*)"|;\\s*${name}=([^\\s;]+)`, "i").exec(header);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function parseFormData(body: Buffer, contentType: string): FormData {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  const result: FormData = Object.create(null) as FormData;
  let at = body.indexOf(delimiter);
  if (at < 0) throw malformed("no part starts");
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter closes the body (the close-delimiter); anything after it is the epilogue.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return result;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw malformed("a boundary is not followed by a line break");
    const headersEnd = body.indexOf("\r\n\r\n", at + 2);
    if (headersEnd < 0) throw malformed("a part has no end of headers");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersEnd + 4);
    if (next < 0) throw malformed("a part is not closed by the boundary");
    const headers = body
      .subarray(at + 2, headersEnd)
      .toString("utf8")
      .split("\r\n");
    const disposition = headers.find((h) => /^content-disposition:/i.test(h));
    const name =
      disposition && /^content-disposition:\s*form-data\b/i.test(disposition) ? dispositionParam(disposition, "name") : undefined;
    if (name === undefined) throw malformed("a part has no form-data name");
    const content = body.subarray(headersEnd + 4, next);
    const filename = dispositionParam(disposition!, "filename");
    result[name] = filename !== undefined ? { filename, data: Buffer.from(content) } : content.toString("utf8");
    at = next + 2;
  }
}

/** Accept multipart/form-data bodies in this scope (register it in a child scope: only routes there take it). */
export function acceptFormData(app: FastifyInstance): void {
  app.addContentTypeParser("multipart/form-data", { parseAs: "buffer" }, (request, body, done) => {
    try {
      done(null, parseFormData(body as Buffer, String(request.headers["content-type"])));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
