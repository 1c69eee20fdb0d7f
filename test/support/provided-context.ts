// What the global setup hands to test files through vitest's provide/inject.
export interface TestDbContext {
  /** URL of a database on the test server that may CREATE/DROP DATABASE. */
  adminUrl: string;
  /** Migrated template that each test file's database is copied from. */
  template: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    plueTestDb: TestDbContext;
  }
}
