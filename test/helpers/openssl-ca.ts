/**
 * A CA made by the openssl CLI (not by tsca), for unit tests of CRL and OCSP encoders: its key as a
 * node:crypto Signer, its certificate as DER/PEM files, and helpers to issue leaf certificates with
 * `openssl x509 -req`. Using openssl for the fixtures keeps our own writer out of the oracle.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OcspResponderRecord } from "../../src/core/ports/ocsp-responder-repository.js";
import type { Signer } from "../../src/core/ports/signer.js";
import type { HashAlgorithm, KeyType } from "../../src/core/x509/algorithms.js";
import { newEcKeyArgs, openssl } from "./cli.js";

export interface OpensslCa {
  dir: string;
  keyPath: string;
  certPath: string;
  der: Buffer;
  key: KeyObject;
  signer: Signer;
}

function must(r: { code: number; stderr: string }, what: string): void {
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr}`);
}

export function nodeSigner(key: KeyObject): Signer {
  const keyType: KeyType = key.asymmetricKeyType === "rsa" ? "RSA" : key.asymmetricKeyType === "ec" ? "EC" : "Ed25519";
  return {
    keyType,
    spki: createPublicKey(key).export({ type: "spki", format: "der" }),
    sign: (data: Buffer, hash: HashAlgorithm | undefined) =>
      Promise.resolve(
        sign(
          keyType === "Ed25519" ? null : { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" }[hash ?? "SHA-256"],
          data,
          key,
        ),
      ),
  };
}

/** A self-signed P-256 (default) or RSA root with SKI, keyCertSign and cRLSign. */
export function opensslCa(opts: { keyType?: "EC" | "RSA"; subject?: string; dir?: string; name?: string } = {}): OpensslCa {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "tsca-ossl-ca-"));
  const name = opts.name ?? "ca";
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.pem`);
  const newkey = opts.keyType === "RSA" ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  must(
    openssl([
      "req",
      "-x509",
      ...newkey,
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "30",
      "-subj",
      opts.subject ?? "/C=AT/O=Example/CN=CRL Test Root",
      "-sha256",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-addext",
      "subjectKeyIdentifier=hash",
    ]),
    "openssl req",
  );
  const key = createPrivateKey(readFileSync(keyPath));
  const der = openssl(["x509", "-in", certPath, "-outform", "DER"]).stdoutBytes;
  return { dir, keyPath, certPath, der, key, signer: nodeSigner(key) };
}

/** A leaf signed by `ca` with openssl, with a fixed serial (hex); returns its PEM path and DER. */
export function opensslLeaf(ca: OpensslCa, serialHex: string, cn: string, opts: { ca?: boolean } = {}): { path: string; der: Buffer } {
  const key = join(ca.dir, `${cn}.key`);
  const csr = join(ca.dir, `${cn}.csr`);
  const path = join(ca.dir, `${cn}.pem`);
  const ext = join(ca.dir, `${cn}.ext`);
  writeFileSync(
    ext,
    opts.ca
      ? "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
      : "basicConstraints=critical,CA:FALSE\nauthorityKeyIdentifier=keyid\n",
  );
  must(openssl(["req", "-new", ...newEcKeyArgs(key), "-out", csr, "-subj", `/CN=${cn}`]), "openssl req (leaf)");
  must(
    openssl([
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.certPath,
      "-CAkey",
      ca.keyPath,
      "-set_serial",
      `0x${serialHex}`,
      "-days",
      "10",
      "-sha256",
      "-extfile",
      ext,
      "-out",
      path,
    ]),
    "openssl x509 -req",
  );
  return { path, der: openssl(["x509", "-in", path, "-outform", "DER"]).stdoutBytes };
}

/**
 * The stored OCSP responder of a CA that signs its own responses (RFC 6960 §4.2.2.2, first case): `serial`
 * is the CA's, the responder certificate is the CA certificate, valid through 2026.
 */
export function selfResponderRecord(ca: OpensslCa, serial: string): OcspResponderRecord {
  return {
    caSerial: serial,
    certificateSerial: serial,
    der: ca.der,
    notBefore: new Date("2026-01-01T00:00:00Z"),
    notAfter: new Date("2027-01-01T00:00:00Z"),
    keyRef: "k",
    keySecret: "s",
    responseValidity: 3600,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}
