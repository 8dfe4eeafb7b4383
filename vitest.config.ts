import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    globalSetup: ["test/helpers/global-setup.ts"],
    // Upper bounds against hangs, not speed budgets: tests wait on events and progress, and a busy CI
    // machine (2 cores, CLI processes, key generation, PostgreSQL restarts) must not turn into failures.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Two cores: CLI tests spawn processes and generate keys; more workers only contend.
    maxWorkers: 2,
  },
});
