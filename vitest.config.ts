import { defineConfig } from 'vitest/config';

// Node-side tests: main-process services on real SQLite files and real HTTP, pure renderer
// logic (state machine, number normalising), the thin electron glue with `electron` mocked,
// and the lab harness's self-test against a real Kamailio. Browser tests are Playwright's.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/lab/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    // A stray `.only` must fail CI rather than silently skip the rest of the suite.
    allowOnly: false,
  },
});
