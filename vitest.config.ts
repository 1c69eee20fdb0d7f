import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One PostgreSQL for the whole run (embedded unless DATABASE_URL is set).
    globalSetup: ['test/support/global-setup.ts'],
    // Test files mostly wait (on PostgreSQL, git, python3, loopback HTTP), so more of them run at once than there
    // are cores (vitest's default is one less than the cores: a single file at a time on two). Four files' pools
    // stay well under PostgreSQL's 100 connections.
    maxWorkers: 4,
    minWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
