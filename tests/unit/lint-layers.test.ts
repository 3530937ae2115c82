import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The architecture's layer rules live in eslint.config.js. These cases prove each rule fires,
// so a config edit cannot quietly switch one off.
const eslint = new ESLint({ cwd: join(import.meta.dirname, '../..') });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('layer rules', () => {
  it.each([
    ['src-renderer/ui/Bad.tsx', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['src-renderer/ui/Bad.tsx', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src-renderer/ui/Bad.tsx', "import fs from 'fs';\nexport const x = fs;\n"],
    ['src-renderer/app/Bad.ts', "import { openDatabase } from '../../src-main/db/database';\nexport const x = openDatabase;\n"],
    ['src-preload/contract.ts', "import { z } from 'zod';\nimport { app } from 'electron';\nexport const x = [z, app];\n"],
    ['src-preload/contract.ts', "import { z } from 'zod';\nimport path from 'node:path';\nexport const x = [z, path];\n"],
    ['src-preload/api.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['src-main/settings/Bad.ts', "import { createTestOnlyCipher } from '../../tests/support/test-only-cipher';\nexport const x = createTestOnlyCipher;\n"],
  ])('%s: refuses %j', async (file, code) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-imports');
  });

  it('allows what the layers may use', async () => {
    expect(await ruleIds('src-preload/contract.ts', "import { z } from 'zod';\nexport const x = z;\n")).toEqual([]);
    expect(await ruleIds('src-renderer/app/Ok.ts', "import type { TsunaguApi } from '../../src-preload/api';\nexport type X = TsunaguApi;\n")).toEqual([]);
  });

  it('refuses a focused test', async () => {
    expect(await ruleIds('tests/unit/x.test.ts', "import { it } from 'vitest';\nit.only('x', () => undefined);\n")).toContain('no-restricted-syntax');
  });
});
