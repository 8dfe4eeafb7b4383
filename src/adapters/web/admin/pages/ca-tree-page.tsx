/**
 * The CA tree, like `list_cas --tree`: each CA's name links to its page (/admin/cas/{serial}), with its
 * status, expiry and key type. A nested list, so screen readers announce the hierarchy.
 */
import type { CertificateAuthority } from "../../../../core/ca/certificate-authority.js";
import type { CaTreeNode } from "../../../../core/usecases/list-cas.js";
import { formatSerial } from "../../../../core/issuance/serial.js";
import { caTreeStatus, type CaTreeStatus } from "../ca-tree-status.js";

interface Props {
  tree: CaTreeNode[];
  revokedAncestors: Map<string, CertificateAuthority>;
  now: Date;
}

function Node({ node, revokedAncestors, now }: { node: CaTreeNode } & Omit<Props, "tree">) {
  const { ca } = node;
  const status: CaTreeStatus = caTreeStatus(ca, revokedAncestors.get(ca.serial), now);
  return (
    <li>
      <div class="ca">
        <a href={`/admin/cas/${ca.serial}`}>{ca.name}</a>
        <span class={`status status-${status.replace(/ /g, "-")}`}>{status}</span>
        <span class="expiry">
          expires <time datetime={ca.notAfter.toISOString()}>{ca.notAfter.toISOString().slice(0, 10)}</time>
        </span>
        <span class="key">{ca.keyType}</span>
        <span class="serial">{formatSerial(ca.serial)}</span>
      </div>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((child) => (
            <Node node={child} revokedAncestors={revokedAncestors} now={now} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function CaTree({ tree, revokedAncestors, now }: Props) {
  if (tree.length === 0) return <p>There are no certificate authorities you may view.</p>;
  return (
    <ul class="ca-tree">
      {tree.map((node) => (
        <Node node={node} revokedAncestors={revokedAncestors} now={now} />
      ))}
    </ul>
  );
}
