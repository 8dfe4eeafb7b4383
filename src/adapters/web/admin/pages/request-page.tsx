/**
 * A signing request's page (request_status): pending (the page reloads itself every few seconds: the route
 * sends Refresh, no script), failed (the sentence sign_cert would have printed, and its code), or issued
 * (a link to the certificate's page and the PEM download).
 */
import type { SigningRequest } from "../../../../core/ports/signing-requests.js";
import { formatSerial } from "../../../../core/issuance/serial.js";

interface Props {
  req: SigningRequest;
  caName: string;
  /** The failure as the API reports it (requestError): a known code and its sentence. */
  failure?: { code: string; message: string };
}

export function RequestStatus({ req, caName, failure }: Props) {
  return (
    <>
      <dl class="request">
        <dt>Status</dt>
        <dd>
          <span class={`status status-request-${req.status}`}>{req.status}</span>
        </dd>
        <dt>Certificate authority</dt>
        <dd>
          <a href={`/admin/cas/${req.caSerial}`}>{caName}</a>
        </dd>
        <dt>Requested by</dt>
        <dd>{req.requestedBy}</dd>
        <dt>Submitted</dt>
        <dd>
          <time datetime={req.createdAt.toISOString()}>{req.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC</time>
        </dd>
        <dt>Request</dt>
        <dd class="mono">{req.id}</dd>
      </dl>
      {req.status === "pending" && (
        <p class="notice" role="status">
          Waiting for the signing worker on the key host; this page reloads every few seconds.
        </p>
      )}
      {req.status === "failed" && failure && (
        <>
          <p class="error" role="alert">
            {failure.message}
          </p>
          <p class="code">Error code: {failure.code}</p>
        </>
      )}
      {req.status === "issued" && req.certificateSerial && (
        <ul class="request-links">
          <li>
            Certificate <a href={`/admin/certificates/${req.certificateSerial}`}>{formatSerial(req.certificateSerial)}</a>
          </li>
          <li>
            <a href={`/admin/requests/${req.id}.pem`} download>
              Download PEM
            </a>
          </li>
        </ul>
      )}
      <p>
        <a href="/admin/issue">Issue another certificate</a>
      </p>
    </>
  );
}
