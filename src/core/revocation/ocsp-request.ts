/**
 * Parsing an OCSPRequest (RFC 6960 §4.1.1) with the DER reader, without an ASN.1 object layer:
 *
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, requestorName [1] EXPLICIT GeneralName
 *                   OPTIONAL, requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *   CertID      ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
 *                   issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }
 *
 * Anything that does not fit — bad DER, trailing bytes, an empty or oversized request list, a critical
 * extension we do not implement — is one ERR_OCSP_MALFORMED_REQUEST, which the responder answers with
 * malformedRequest (§2.3). Request signatures are optional (§4.1.2) and not checked: tsca answers anyone.
 */
import { TscaError } from "../errors.js";
import { children, decodeBoolean, decodeOid, expectTag, parseDer, type Tlv } from "../x509/der-reader.js";
import { OID } from "../x509/oids.js";
import { CERT_ID_HASHES, type CertId } from "./ocsp-cert-id.js";

/** Requests are small (one CertID is ~75 bytes); anything larger than this is refused before parsing. */
export const MAX_OCSP_REQUEST_BYTES = 8192;
/** CertIDs answered in one response; each may cost a lookup and grows the signed response. */
export const MAX_CERT_IDS = 32;
/** RFC 8954 §2.1: Nonce ::= OCTET STRING (SIZE(1..32)). */
const NONCE_MAX = 32;

export interface OcspRequest {
  certIds: CertId[];
  /**
   * The nonce Extension exactly as received, to be echoed in responseExtensions (RFC 6960 §4.4.1);
   * undefined without a nonce or with one outside RFC 8954's 1..32 octets (§2.1: answered without nonce).
   */
  nonceExtension: Buffer | undefined;
}

const malformed = (why: string, cause?: unknown): TscaError =>
  new TscaError("ERR_OCSP_MALFORMED_REQUEST", `Malformed OCSP request: ${why}.`, cause !== undefined ? { cause } : undefined);

/** Non-critical extensions we understand and may ignore (§4.4.3, §4.4.6, §4.4.7.1). */
const KNOWN_EXTENSIONS = new Set<string>([
  OID.ocspNonce,
  OID.ocspAcceptableResponses,
  OID.ocspServiceLocator,
  OID.ocspPreferredSignatureAlgorithms,
]);

interface ParsedExtension {
  oid: string;
  critical: boolean;
  raw: Buffer;
  value: Buffer;
}

function parseExtensions(explicitTag: Tlv): ParsedExtension[] {
  const inner = children(explicitTag);
  if (inner.length !== 1) throw malformed("bad extensions");
  const seq = expectTag(inner[0], 0x30, "Extensions");
  const seen = new Set<string>();
  return children(seq).map((e) => {
    const parts = children(expectTag(e, 0x30, "Extension"));
    const id = decodeOid(expectTag(parts[0], 0x06, "extnID").value);
    if (seen.has(id)) throw malformed(`extension ${id} appears twice`);
    seen.add(id);
    if (parts.length !== 2 && parts.length !== 3) throw malformed("bad extension");
    const critical = parts.length === 3 ? decodeBoolean(expectTag(parts[1], 0x01, "critical").value) : false;
    const value = expectTag(parts[parts.length - 1], 0x04, "extnValue").value;
    // RFC 5280 §4.2 (which OCSP extensions follow): an unrecognised critical extension must be refused.
    if (critical && !KNOWN_EXTENSIONS.has(id)) throw malformed(`unsupported critical extension ${id}`);
    return { oid: id, critical, raw: Buffer.from(e.raw), value: Buffer.from(value) };
  });
}

/** RFC 8954 §2.1: the extnValue holds the DER of an OCTET STRING of 1..32 octets. Older clients sent raw bytes. */
function nonceLength(value: Buffer): number {
  try {
    const t = parseDer(value);
    if (t.tag === 0x04) return t.value.length;
  } catch {
    // not DER: raw nonce bytes
  }
  return value.length;
}

function serialHex(value: Buffer): string {
  if (value.length === 0 || value.length > 64) throw malformed("bad serial number");
  let hex = value.toString("hex").toUpperCase();
  while (hex.length > 2 && hex.startsWith("00")) hex = hex.slice(2);
  return hex;
}

function parseCertId(t: Tlv): CertId {
  const [alg, nameHash, keyHash, serial, ...rest] = children(expectTag(t, 0x30, "CertID"));
  if (rest.length) throw malformed("extra CertID fields");
  const algParts = children(expectTag(alg, 0x30, "hashAlgorithm"));
  const algOid = decodeOid(expectTag(algParts[0], 0x06, "hash algorithm").value);
  // parameters: absent or NULL (RFC 5754 §2 allows both for the SHA-2 family).
  if (algParts.length > 2 || (algParts[1] && (algParts[1].tag !== 0x05 || algParts[1].value.length !== 0)))
    throw malformed("bad hash algorithm parameters");
  const known = CERT_ID_HASHES.get(algOid);
  const issuerNameHash = Buffer.from(expectTag(nameHash, 0x04, "issuerNameHash").value);
  const issuerKeyHash = Buffer.from(expectTag(keyHash, 0x04, "issuerKeyHash").value);
  if (known && (issuerNameHash.length !== known.length || issuerKeyHash.length !== known.length))
    throw malformed(`${known.name} hashes must be ${known.length} octets`);
  return {
    raw: Buffer.from(t.raw),
    hash: known?.name,
    issuerNameHash,
    issuerKeyHash,
    serial: serialHex(expectTag(serial, 0x02, "serialNumber").value),
  };
}

export function parseOcspRequest(der: Buffer): OcspRequest {
  if (der.length === 0) throw malformed("empty request");
  if (der.length > MAX_OCSP_REQUEST_BYTES) throw malformed(`larger than ${MAX_OCSP_REQUEST_BYTES} bytes`);
  try {
    const top = children(expectTag(parseDer(der), 0x30, "OCSPRequest"));
    if (top.length < 1 || top.length > 2 || (top[1] && top[1].tag !== 0xa0)) throw malformed("bad OCSPRequest");
    const tbs = children(expectTag(top[0], 0x30, "TBSRequest"));
    let i = 0;
    if (tbs[i]?.tag === 0xa0) {
      const v = expectTag(children(tbs[i]!)[0], 0x02, "version").value;
      if (v.length !== 1 || v[0] !== 0) throw malformed("unsupported version");
      i++;
    }
    if (tbs[i]?.tag === 0xa1) i++; // requestorName: informational only
    const list = children(expectTag(tbs[i++], 0x30, "requestList"));
    let nonceExtension: Buffer | undefined;
    if (tbs[i]?.tag === 0xa2) {
      for (const e of parseExtensions(tbs[i]!)) {
        if (e.oid !== OID.ocspNonce) continue;
        const n = nonceLength(e.value);
        if (n >= 1 && n <= NONCE_MAX) nonceExtension = e.raw;
      }
      i++;
    }
    if (i !== tbs.length) throw malformed("unexpected TBSRequest fields");
    if (list.length === 0) throw malformed("no certificate asked for");
    if (list.length > MAX_CERT_IDS) throw malformed(`more than ${MAX_CERT_IDS} certificates asked for`);
    const certIds = list.map((r) => {
      const parts = children(expectTag(r, 0x30, "Request"));
      if (parts.length > 2 || (parts[1] && parts[1].tag !== 0xa0)) throw malformed("bad Request");
      if (parts[1]) parseExtensions(parts[1]); // only to refuse unknown critical ones
      return parseCertId(parts[0]!);
    });
    return { certIds, nonceExtension };
  } catch (e) {
    if (e instanceof TscaError && e.code === "ERR_OCSP_MALFORMED_REQUEST") throw e;
    throw malformed("not a DER-encoded OCSPRequest", e);
  }
}
