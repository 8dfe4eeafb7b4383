/**
 * /admin/certificates (list, search, filters) and /admin/certificates/:serial (page, downloads, revoke, unrevoke, renew).
 */
import type { FastifyInstance } from "fastify";
import type { AdminDeps } from "../deps.js";

export async function certificateRoutes(_app: FastifyInstance, _deps: AdminDeps): Promise<void> {}
