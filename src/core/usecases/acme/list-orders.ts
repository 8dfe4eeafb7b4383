/**
 * An account's orders list (RFC 8555 §7.1.2.1): newest first, one page at a time, with the id of the last
 * order shown as the cursor of the next page when there is more. Invalid orders are left out ("SHOULD NOT
 * include orders that are invalid"): the database drops those stored invalid or expired, and each order
 * left is brought up to date (order-state.ts) so that one whose authorization was just deactivated or
 * failed is dropped too. A page may therefore hold fewer orders than its size and still have a next one
 * ("MAY return an incomplete list").
 */
import type { AcmeAccount, AcmeOrder } from "../../acme/model.js";
import type { AcmeDeps } from "./deps.js";
import { orderState } from "./order-state.js";

export interface OrdersPage {
  orders: AcmeOrder[];
  /** The cursor of the next page, when there may be one. */
  next?: string;
}

export async function listAccountOrders(deps: AcmeDeps, account: AcmeAccount, size: number, cursor?: string): Promise<OrdersPage> {
  const found = await deps.acme.listOrders(account.id, size + 1, cursor, deps.clock.now());
  const page = found.slice(0, size);
  const orders: AcmeOrder[] = [];
  for (const stored of page) {
    const { order } = await orderState(deps, stored);
    if (order.status !== "invalid") orders.push(order);
  }
  return found.length > size ? { orders, next: page.at(-1)!.id } : { orders };
}
