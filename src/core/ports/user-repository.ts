/**
 * Users and their grants (web admin, API tokens act as a user). Only the CLI creates users; every change
 * is audited by the use case that makes it.
 */
import type { Grant } from "../access/permissions.js";

export interface User {
  name: string;
  /** argon2id (or other PHC) hash; null: cannot log in with a password. */
  passwordHash: string | null;
  superuser: boolean;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserRepository {
  get(name: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  insert(user: User): Promise<void>;
  update(name: string, patch: Partial<Pick<User, "passwordHash" | "superuser" | "enabled">>, now: Date): Promise<void>;
  grants(name: string): Promise<Grant[]>;
  /** Add grants (existing ones are kept, duplicates ignored). */
  addGrants(name: string, grants: Grant[], now: Date): Promise<void>;
  /** Remove grants; returns how many were removed. */
  removeGrants(name: string, grants: Grant[]): Promise<number>;
}
