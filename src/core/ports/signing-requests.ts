/**
 * Signing requests: how a host without the CA key (web admin, REST API, ACME finalize) gets a certificate
 * signed. The surface records a request; `tsca worker` on the key host claims it, signs it through the
 * same lint-before-sign path as sign_cert, and stores the certificate and the request's new state in one
 * transaction, so a request is issued exactly once or stays pending (DESIGN.md "Who signs, where").
 */
export type SigningRequestStatus = "pending" | "issued" | "failed";

/** What sign_cert takes from its command line, as data (JSON in the database). */
export interface SigningRequestParameters {
  /** RFC 4514 / OpenSSL-style subject to use instead of the CSR's, if any. */
  subject?: string;
  /** General names as sign_cert --alt takes them (`DNS:example.com`). */
  sans: string[];
  profile?: string;
  expiresDays?: number;
  watchers: string[];
  /**
   * The serial of a certificate this request renews (submitResignRequest): the worker signs it like
   * resign_cert — the old certificate's subject, SANs, profile and extensions, for the CSR — and ignores
   * subject, sans and profile here.
   */
  resigns?: string;
}

export interface SigningRequest {
  id: string;
  caSerial: string;
  csr: Buffer;
  parameters: SigningRequestParameters;
  status: SigningRequestStatus;
  /** The issued certificate's serial (status issued). */
  certificateSerial: string | null;
  /** Stable error code and one-sentence message (status failed). */
  errorCode: string | null;
  errorMessage: string | null;
  /** actorLabel of who asked, and the request id of the surface request, for the audit log. */
  requestedBy: string;
  requestId: string;
  createdAt: Date;
  updatedAt: Date;
  attempts: number;
}

export interface NewSigningRequest {
  id: string;
  caSerial: string;
  csr: Buffer;
  parameters: SigningRequestParameters;
  requestedBy: string;
  requestId: string;
}

/**
 * What the worker decided for one claimed request: issued (with the certificate's serial), failed (the
 * request's own fault: bad CSR, lint, name constraints; final), or retry (the worker's or the database's
 * trouble: stays pending, its attempts counted).
 */
export type SigningRequestOutcome =
  | { id: string; status: "issued"; certificateSerial: string }
  | { id: string; status: "failed"; errorCode: string; errorMessage: string }
  | { id: string; status: "retry" };

export interface SigningRequestRepository {
  /** Store a new pending request; on PostgreSQL the workers are notified when the transaction commits. */
  insert(req: NewSigningRequest, now: Date): Promise<void>;
  get(id: string): Promise<SigningRequest | undefined>;
  /** The requests with these ids that exist, in one query (the waiter's poll); order unspecified. */
  getMany(ids: string[]): Promise<SigningRequest[]>;
  /** Record the outcomes of claimed requests (inside the claim's transaction). */
  complete(outcomes: SigningRequestOutcome[], now: Date): Promise<void>;
}
