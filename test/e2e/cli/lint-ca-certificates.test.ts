/**
 * CA certificates go through lint before sign like every other certificate: an init_ca whose certificate
 * would break an RFC 5280 rule is refused with ERR_LINT naming the rule, in one sentence, and leaves
 * nothing behind — no row, no key file, nothing pending — for a root and for an intermediate alike.
 */
import { describe, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { tsca, tscaEnv } from "../../helpers/cli.js";
import { expectRefused } from "../../helpers/oracles.js";

describe.each(BACKENDS)("init_ca is linted (%s)", (backend) => {
  it("a CA certificate without keyCertSign is refused (ca_key_cert_sign), root or intermediate, and nothing is stored", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--key-usage", "cRLSign,digitalSignature", "Root", "/CN=root.example.test"],
      1,
      /^Error: Refused by lint: a CA certificate must assert keyCertSign in keyUsage \(ca_key_cert_sign, RFC 5280 §4\.2\.1\.3\)\.\n$/,
    );
    tsca(t, ["init_ca", "--key-type", "EC", "--path-length", "1", "Root", "/CN=root.example.test"]);
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "Root", "--key-usage", "cRLSign", "Sub", "/CN=sub.example.test"],
      1,
      /\(ca_key_cert_sign, RFC 5280 §4\.2\.1\.3\)/,
    );
  });
});
