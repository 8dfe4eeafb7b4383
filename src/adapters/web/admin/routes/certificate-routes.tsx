/**
 * /admin/certificates (list, search, filters) and /admin/certificates/:serial (page, downloads, revoke,
 * unrevoke, renew). Thin handlers: each parses the form, calls one use case with the signed-in user's
 * context — listCertsPage, viewCert, revokeCert, unrevokeCert, submitResignRequest, the ones the REST API
 * and the CLI call — and renders or redirects (303 See Other after a POST, RFC 9110 §15.4.4). The use
 * cases check the user's permission on the certificate's CA and write the audit event (actor web:USER);
 * `can` only decides what the page offers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { visibleCas } from "../../../../core/access/permissions.js";
import { TscaError } from "../../../../core/errors.js";
import { listCas } from "../../../../core/usecases/list-cas.js";
import { listCertsPage, MAX_PAGE_LIMIT, PAGE_STATUSES, type PageStatus } from "../../../../core/usecases/list-certs-page.js";
import { revokeCert, unrevokeCert } from "../../../../core/usecases/revoke-cert.js";
import { parseReason } from "../../../../core/revocation/reasons.js";
import { submitResignRequest } from "../../../../core/usecases/submit-resign-request.js";
import { viewCert } from "../../../../core/usecases/view-cert.js";
import { certViewJson } from "../../../../core/views/cert-json.js";
import { toPem } from "../../../../core/x509/pem.js";
import { adminContext, can } from "../access.js";
import type { AdminDeps } from "../deps.js";
import { CertListPage, type CertListForm } from "../pages/cert-list-page.js";
import { CertPage } from "../pages/cert-page.js";
import { csrfToken, page } from "../render.js";

/** Rows per page of the listing. */
export const CERT_PAGE_SIZE = 50;

/** The largest "Expiring within (days)": a hundred years. */
const MAX_EXPIRING_DAYS = 36_500;

const DAY_MS = 86_400_000;

/** RFC 8555 §9.1: the certificate first, then each CA certificate that certifies the one before it. */
const PEM_CHAIN = "application/pem-certificate-chain";
/** RFC 2585 §4.1: one DER certificate. */
const PKIX_CERT = "application/pkix-cert";
/** One PEM certificate (RFC 7468 text; no registered type, this is the one in common use). */
const PEM_FILE = "application/x-pem-file";

const badFilter = (field: string, sentence: string): TscaError =>
  new TscaError("ERR_INVALID_ARGUMENT", `${field}: ${sentence}`, { fields: { field } });

/** One query parameter as a string; a parameter given twice is a malformed link, not a choice. */
function param(query: Record<string, unknown>, name: string, label: string): string {
  const v = query[name];
  if (v === undefined) return "";
  if (typeof v !== "string") throw badFilter(label, "Give it once.");
  return v.trim();
}

interface ParsedList {
  form: CertListForm;
  cursor: string | undefined;
}

function parseListQuery(request: FastifyRequest): ParsedList {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const form: CertListForm = {
    q: param(query, "q", "Search"),
    ca: param(query, "ca", "Certificate authority"),
    status: param(query, "status", "Status"),
    profile: param(query, "profile", "Profile"),
    expiring: param(query, "expiring", "Expiring within (days)"),
    limit: param(query, "limit", "Per page"),
  };
  if (form.status !== "" && !(PAGE_STATUSES as readonly string[]).includes(form.status))
    throw badFilter("Status", `Must be one of ${PAGE_STATUSES.join(", ")}.`);
  if (
    form.expiring !== "" &&
    !(/^\d{1,6}$/.test(form.expiring) && Number(form.expiring) >= 1 && Number(form.expiring) <= MAX_EXPIRING_DAYS)
  )
    throw badFilter("Expiring within (days)", `Must be a whole number of days from 1 to ${MAX_EXPIRING_DAYS}.`);
  if (form.limit !== "" && !(/^\d{1,3}$/.test(form.limit) && Number(form.limit) >= 1 && Number(form.limit) <= MAX_PAGE_LIMIT))
    throw badFilter("Per page", `Must be a whole number from 1 to ${MAX_PAGE_LIMIT}.`);
  const cursor = param(query, "cursor", "cursor");
  return { form, cursor: cursor === "" ? undefined : cursor };
}

/** The listing's URL with these filters (only those set), and a cursor for a next page. */
function listUrl(form: CertListForm, cursor?: string): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== "") qs.set(k, v);
  if (cursor) qs.set("cursor", cursor);
  const s = qs.toString();
  return s ? `/admin/certificates?${s}` : "/admin/certificates";
}

/** What a download path asks for: the page itself, or one of the three files. */
type Wanted = "page" | "pem" | "der" | "bundle";

function splitFile(file: string): { serial: string; wanted: Wanted } {
  if (file.endsWith("-bundle.pem")) return { serial: file.slice(0, -"-bundle.pem".length), wanted: "bundle" };
  if (file.endsWith(".pem")) return { serial: file.slice(0, -".pem".length), wanted: "pem" };
  if (file.endsWith(".der")) return { serial: file.slice(0, -".der".length), wanted: "der" };
  return { serial: file, wanted: "page" };
}

/** A form field of a POST as a string ("" when absent). */
function field(request: FastifyRequest, name: string): string {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const v = body[name];
  if (v === undefined) return "";
  if (typeof v !== "string") throw badFilter(name, "Give it once.");
  return v;
}

const backTo = (reply: FastifyReply, serial: string): FastifyReply =>
  reply.code(303).header("location", `/admin/certificates/${serial}`).send();

type SerialParams = { Params: { serial: string } };

export async function certificateRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  app.get("/certificates", async (request, reply) => {
    const ctx = adminContext(request);
    const { form, cursor } = parseListQuery(request);
    const now = ctx.clock.now();
    const result = await listCertsPage(ctx, deps, {
      ...(form.ca !== "" ? { ca: form.ca } : {}),
      ...(form.status !== "" ? { status: form.status as PageStatus } : {}),
      ...(form.profile !== "" ? { profile: form.profile } : {}),
      ...(form.expiring !== "" ? { expiresBefore: new Date(now.getTime() + Number(form.expiring) * DAY_MS) } : {}),
      ...(form.q !== "" ? { q: form.q } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
      limit: form.limit !== "" ? Number(form.limit) : CERT_PAGE_SIZE,
    });
    const { cas } = await listCas(ctx, deps.cas);
    const signers = visibleCas(ctx.access, "sign");
    return page(
      request,
      reply,
      "Certificates",
      <CertListPage
        form={form}
        cas={cas}
        profiles={deps.profiles.names()}
        items={result.items}
        next={result.nextCursor !== null ? listUrl(form, result.nextCursor) : null}
        mayIssue={signers === undefined || signers.size > 0}
        defaultLimit={CERT_PAGE_SIZE}
        now={now}
      />,
    );
  });

  app.get<SerialParams>("/certificates/:serial", async (request, reply) => {
    const ctx = adminContext(request);
    const { serial, wanted } = splitFile(request.params.serial);
    const view = await viewCert(ctx, deps, serial);
    const name = view.certificate.serial;
    if (wanted === "page") {
      const json = certViewJson(view, ctx.clock.now());
      const caSerial = view.certificate.caSerial;
      const actions = {
        revoke: can(request, "revoke", caSerial),
        // Renewing re-signs the stored CSR; an imported certificate has none (resign_cert refuses it too).
        renew: can(request, "sign", caSerial) && view.certificate.csrDer !== null,
      };
      const title = view.certificate.commonName || String(json.serial);
      return page(request, reply, title, <CertPage view={view} json={json} actions={actions} csrf={csrfToken(reply)} />);
    }
    reply.header("cache-control", "no-store").header("x-content-type-options", "nosniff");
    if (wanted === "der")
      return reply.type(PKIX_CERT).header("content-disposition", `attachment; filename="${name}.der"`).send(view.certificate.der);
    const ders = wanted === "bundle" ? view.chain : [view.certificate.der];
    return reply
      .type(wanted === "bundle" ? PEM_CHAIN : PEM_FILE)
      .header("content-disposition", `attachment; filename="${name}${wanted === "bundle" ? "-bundle" : ""}.pem"`)
      .send(ders.map((der) => toPem(der, "CERTIFICATE")).join(""));
  });

  app.post<SerialParams>("/certificates/:serial/revoke", async (request, reply) => {
    const ctx = adminContext(request);
    const reasonText = field(request, "reason");
    const compromised = field(request, "compromised").trim();
    const cert = await revokeCert(ctx, deps, {
      cert: request.params.serial,
      reason: reasonText === "" ? "unspecified" : parseReason(reasonText),
      ...(compromised !== "" ? { compromised } : {}),
    });
    return backTo(reply, cert.serial);
  });

  app.post<SerialParams>("/certificates/:serial/unrevoke", async (request, reply) => {
    const cert = await unrevokeCert(adminContext(request), deps, request.params.serial);
    return backTo(reply, cert.serial);
  });

  app.post<SerialParams>("/certificates/:serial/renew", async (request, reply) => {
    const { id } = await submitResignRequest(adminContext(request), deps, { cert: request.params.serial });
    deps.submitted?.();
    return reply.code(303).header("location", `/admin/requests/${id}`).send();
  });
}
