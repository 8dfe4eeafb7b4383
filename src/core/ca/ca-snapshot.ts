/**
 * The CAs as one read sees them, for the span of one request: sign_cert names a CA, then checks its whole
 * chain (usability, path length, name constraints). Reading the list once and answering both from it
 * saves a database round trip per certificate on the hot path, and the request sees one consistent state
 * of the hierarchy instead of two reads that a concurrent edit could fall between. Writes are refused:
 * a snapshot is for reading only.
 */
import type { CaRepository } from "../ports/ca-repository.js";
import type { CertificateAuthority } from "./certificate-authority.js";

export async function caSnapshot(cas: CaRepository): Promise<CaRepository> {
  const all = await cas.list();
  const bySerial = new Map(all.map((ca) => [ca.serial, ca]));
  return {
    list: () => Promise.resolve(all),
    get: (serial: string) => Promise.resolve(bySerial.get(serial)),
    // The same matches as SqlCaRepository.search: a serial prefix (upper-case hex) or the exact name.
    search: (prefix: string, name: string) =>
      Promise.resolve(
        all.filter((ca: CertificateAuthority) => (/^[0-9A-F]+$/.test(prefix) && ca.serial.startsWith(prefix)) || ca.name === name),
      ),
    insert: () => Promise.reject(new Error("caSnapshot: read-only")),
    update: () => Promise.reject(new Error("caSnapshot: read-only")),
  };
}
