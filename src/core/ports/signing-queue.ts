/**
 * The worker's side of the signing queue (DESIGN.md "Who signs, where"). A claim takes the oldest pending
 * requests that no other worker holds and hands them, with the ports bound to the claim's transaction, to
 * the work; the certificates, the new states and the audit events commit together with the claim or not
 * at all. A worker that dies mid-batch thus leaves its requests pending for another (PostgreSQL rolls the
 * transaction back when the session ends; SQLite when the next opener finds the hot journal).
 */
import type { SigningRequest } from "./signing-requests.js";
import type { TransactionPorts } from "./unit-of-work.js";

export interface SigningQueue {
  /**
   * Claim up to `limit` pending requests (oldest first) and run `work` on them in one transaction.
   * Resolves to undefined when nothing was pending; if `work` throws, nothing of the batch is kept.
   */
  claim<T>(limit: number, work: (requests: SigningRequest[], tx: TransactionPorts) => Promise<T>): Promise<T | undefined>;
  /** Count an attempt that rolled back (best effort, its own statement); the requests stay pending. */
  countAttempts(ids: string[], now: Date): Promise<void>;
  /**
   * Resolve when new requests may be pending: a notification arrived (PostgreSQL LISTEN) since the last
   * call, or the poll interval passed, or `signal` aborted. Never rejects.
   */
  wait(signal: AbortSignal): Promise<void>;
  /**
   * A request was just queued by this process (the REST API beside `serve --worker`): the current or the
   * next wait returns at once. SQLite has no notifications, so without this a request would sit out the
   * rest of the poll interval.
   */
  nudge(): void;
  /** Stop listening. */
  close(): Promise<void>;
}
