/**
 * The internal API as one bundle (dist/toolkit.mjs) for benchmarks and tools that measure use cases in
 * one process without the CLI around them. Not a public, stable interface.
 */
export { openDatabase } from "../adapters/db/connection.js";
export { SqlCaRepository } from "../adapters/db/ca-repository.js";
export { SqlCertificateRepository } from "../adapters/db/certificate-repository.js";
export { FileKeyStore } from "../adapters/keys/file-key-store.js";
export { NodeSigner } from "../adapters/keys/node-signer.js";
export { loadSettings } from "../config/settings.js";
export { Profiles } from "../core/issuance/profiles.js";
export { prepareIssuer } from "../core/issuance/issuer.js";
export { issueCertificate } from "../core/issuance/issue-certificate.js";
export { newSerial } from "../core/issuance/serial.js";
export { signCertificate } from "../core/issuance/sign-certificate.js";
export { readCsr, signCert } from "../core/usecases/sign-cert.js";
export { initCa } from "../core/usecases/init-ca.js";
export { findCa } from "../core/ca/find-ca.js";
export { parseName, encodeName } from "../core/x509/name.js";
export { parseGeneralName } from "../core/x509/general-name.js";
export { parseCertificate } from "../core/x509/certificate.js";
export { signCrl } from "../core/revocation/crl-builder.js";
export { crlScope, scopeExtension } from "../core/revocation/crl-scope.js";
export { publishCrl } from "../core/revocation/publish-crl.js";
export { SqlCrlRepository } from "../adapters/db/crl-repository.js";
export { SqlRevocationChangeFeed } from "../adapters/db/revocation-change-feed.js";
// The signing queue (bench/queued-issuance.mjs).
export { databasePorts, defaultsFromSettings, keyHostContext } from "./composition.js";
export { keyStoreRegistry } from "./key-stores.js";
export { signingQueue } from "./signing-queue.js";
export { CachedKeyStoreRegistry } from "../core/issuance/cached-key-store.js";
export { submitSigningRequest } from "../core/usecases/submit-signing-request.js";
export { runSigningWorker } from "../core/usecases/signing-worker.js";
