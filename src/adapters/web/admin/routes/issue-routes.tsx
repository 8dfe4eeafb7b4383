/**
 * /admin/issue (a certificate from a CSR, through the signing queue) and /admin/requests/:id (its state).
 */
import type { FastifyInstance } from "fastify";
import type { AdminDeps } from "../deps.js";

export async function issueRoutes(_app: FastifyInstance, _deps: AdminDeps): Promise<void> {}
