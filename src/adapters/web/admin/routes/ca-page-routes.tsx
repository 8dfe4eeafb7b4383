/**
 * /admin/cas/:serial (a CA's page), its settings form and CRL downloads.
 */
import type { FastifyInstance } from "fastify";
import type { AdminDeps } from "../deps.js";

export async function caPageRoutes(_app: FastifyInstance, _deps: AdminDeps): Promise<void> {}
