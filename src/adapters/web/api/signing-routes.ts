/**
 * Signing through the queue (DESIGN.md "Who signs, where"): POST /cas/{ca}/sign and
 * POST /certificates/{serial}/resign record a signing request and answer 202 Accepted with a Location to
 * poll (RFC 9110 §15.3.3); GET /requests/{id} tells what became of it. The API host holds no CA key.
 *
 * `?wait=SECONDS` (0–60), where a worker runs in this server (`serve --worker`): the answer waits until the
 * worker has decided. Issued in time → 201 Created with the certificate and a Location naming it (RFC 9110
 * §15.3.2); failed → the failure as problem+json with the status of its error code (a lint refusal is 400),
 * plus a `request` member naming the request; still pending → 202 as without waiting. Without a worker here
 * the parameter is accepted and the answer is 202 at once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { TscaError } from "../../../core/errors.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import { requestStatus } from "../../../core/usecases/request-status.js";
import { submitSigningRequest } from "../../../core/usecases/submit-signing-request.js";
import { csrDerFromPem } from "../csr-pem.js";
import { sendProblem } from "../problem.js";
import { contextOf } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import type { SigningRequest } from "../../../core/ports/signing-requests.js";
import {
  CaParams,
  COMMON_PROBLEMS,
  json,
  problems,
  RequestParams,
  ResignBody,
  SerialParams,
  SignBody,
  SigningRequestJson,
  WaitQuery,
} from "./schemas.js";
import { requestError, signingRequestJson } from "./signing-request-json.js";

export const requestLocation = (id: string): string => `/api/v1/requests/${id}`;
export const certificateLocation = (serial: string): string => `/api/v1/certificates/${formatSerial(serial)}`;

const QUEUED_RESPONSES = {
  201: json(SigningRequestJson, "Issued while waiting (?wait): the request with its certificate; Location names the certificate"),
  202: json(SigningRequestJson, "Queued (or still pending after ?wait); Location names the request to poll"),
};

/** 202 Accepted: the request as it stands, and where to poll it. */
const queued = (reply: FastifyReply, id: string, req: SigningRequest): FastifyReply =>
  reply
    .code(202)
    .header("location", requestLocation(id))
    .header("retry-after", "1")
    .send(signingRequestJson(req) as never);

export async function signingRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  /** The answer to a request just queued: 202, or with ?wait and a worker here, what became of it. */
  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    waitSeconds: number | undefined,
  ): Promise<FastifyReply> => {
    deps.submitted?.();
    let req = await deps.signingRequests.get(id);
    if (!req) throw new TscaError("ERR_REQUEST_NOT_FOUND", `${id}: Signing request not found.`);
    // Without ?wait the answer is always 202, even when a fast worker has already signed: the status code
    // must not depend on a race; the body shows the state and Location where to follow it.
    if (!waitSeconds) return queued(reply, id, req);
    if (req.status === "pending" && deps.waiter) {
      // A client that hangs up stops the wait, so an abandoned request holds no timer.
      const gone = new AbortController();
      const onClose = (): void => gone.abort();
      reply.raw.once("close", onClose);
      try {
        req = await deps.waiter.wait(id, waitSeconds * 1000, gone.signal);
      } finally {
        reply.raw.off("close", onClose);
      }
    }
    if (!req) throw new TscaError("ERR_REQUEST_NOT_FOUND", `${id}: Signing request not found.`);
    if (req.status === "failed") return sendProblem(reply, requestError(req));
    if (req.status === "issued" && req.certificateSerial) {
      const cert = await deps.certs.get(req.certificateSerial);
      return reply
        .code(201)
        .header("location", certificateLocation(req.certificateSerial))
        .send(signingRequestJson(req, cert) as never);
    }
    return queued(reply, id, req);
  };

  api.post(
    "/cas/:ca/sign",
    {
      schema: {
        operationId: "signCsr",
        summary:
          "Queue a CSR for signing by this CA (sign_cert's options); ?wait=SECONDS answers 201 with the certificate when a worker runs here",
        tags: ["Signing requests"],
        params: CaParams,
        querystring: WaitQuery,
        body: SignBody,
        response: { ...QUEUED_RESPONSES, ...problems(...COMMON_PROBLEMS, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const b = request.body;
      const { id } = await submitSigningRequest(ctx, deps, {
        ca: request.params.ca,
        csr: csrDerFromPem(b.csr, "body.csr"),
        parameters: {
          ...(b.subject !== undefined ? { subject: b.subject } : {}),
          sans: b.alt ?? [],
          ...(b.profile !== undefined ? { profile: b.profile } : {}),
          ...(b.expires !== undefined ? { expiresDays: b.expires } : {}),
          watchers: [],
        },
      });
      return answer(request, reply, id, request.query.wait);
    },
  );

  api.post(
    "/certificates/:serial/resign",
    {
      schema: {
        operationId: "resignCertificate",
        summary: "Queue a renewal: a new serial and validity for the same key, subject and profile (resign_cert); honours ?wait",
        tags: ["Signing requests"],
        params: SerialParams,
        querystring: WaitQuery,
        body: ResignBody,
        response: { ...QUEUED_RESPONSES, ...problems(...COMMON_PROBLEMS, 403, 404, 409) },
      },
      // The body is optional: no body is the same as {}.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const { id } = await deps.submitResign(ctx, {
        cert: request.params.serial,
        ...(request.body.expires !== undefined ? { expiresDays: request.body.expires } : {}),
      });
      return answer(request, reply, id, request.query.wait);
    },
  );

  api.get(
    "/requests/:id",
    {
      schema: {
        operationId: "getSigningRequest",
        summary: "What became of a signing request: pending, issued (with the certificate) or failed (with the problem)",
        tags: ["Signing requests"],
        params: RequestParams,
        response: { 200: json(SigningRequestJson, "The request"), ...problems(...COMMON_PROBLEMS, 404) },
      },
    },
    async (request) => {
      const req = await requestStatus(contextOf(request), deps, request.params.id);
      const cert = req.status === "issued" && req.certificateSerial ? await deps.certs.get(req.certificateSerial) : undefined;
      return signingRequestJson(req, cert) as never;
    },
  );
}
