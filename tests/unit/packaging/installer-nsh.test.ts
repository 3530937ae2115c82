// assets/installer.nsh registers Tsunagu for call links on Windows. NSIS cannot run here, so
// this test reads the script the way makensis would (defines, macros with parameters, quoted
// arguments), expands electron-builder's customInstall / customUnInstall hooks, and checks the
// registry writes and deletes they perform.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const SCRIPT = readFileSync(join(ROOT, 'assets/installer.nsh'), 'utf8');
const SCHEMES = ['tel', 'callto', 'sip', 'sips', 'tsunagu'];
const COMMAND = '"$INSTDIR\\${APP_EXECUTABLE_FILENAME}" -- "%1"';

/** Splits one NSIS line into arguments: "double", 'single' and `back` quotes, or bare words. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === ';' || ch === '#') {
      break; // comment to end of line
    } else if (ch === '"' || ch === "'" || ch === '`') {
      let value = '';
      i += 1;
      while (i < line.length && line[i] !== ch) {
        // $\" $\' $\` are escaped quotes inside a quoted string.
        if (line[i] === '$' && line[i + 1] === '\\' && /["'`]/.test(line[i + 2] ?? '')) {
          value += line[i + 2];
          i += 3;
        } else {
          value += line[i];
          i += 1;
        }
      }
      if (line[i] !== ch) throw new Error(`unterminated string in: ${line}`);
      i += 1;
      tokens.push(value);
    } else {
      const start = i;
      while (i < line.length && !/\s/.test(line[i]!)) i += 1;
      tokens.push(line.slice(start, i));
    }
  }
  return tokens;
}

interface Macro {
  params: string[];
  body: string[][];
}

function parseScript(text: string): { defines: Map<string, string>; macros: Map<string, Macro> } {
  const defines = new Map<string, string>();
  const macros = new Map<string, Macro>();
  let current: Macro | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const tokens = tokenize(raw);
    if (tokens.length === 0) continue;
    const [head, ...rest] = tokens;
    if (head === '!macro') {
      if (current) throw new Error('nested !macro');
      current = { params: rest.slice(1), body: [] };
      macros.set(rest[0]!, current);
    } else if (head === '!macroend') {
      if (!current) throw new Error('!macroend without !macro');
      current = null;
    } else if (current) {
      current.body.push(tokens);
    } else if (head === '!define') {
      defines.set(rest[0]!, rest[1] ?? '');
    } else {
      throw new Error(`unexpected top-level statement: ${raw}`);
    }
  }
  if (current) throw new Error('unterminated !macro');
  return { defines, macros };
}

/** Expands a macro into its statements, substituting parameters and our own !defines.
 *  electron-builder's defines (APP_EXECUTABLE_FILENAME, PRODUCT_NAME…) are left as written. */
function expand(name: string, args: string[], script: ReturnType<typeof parseScript>, depth = 0): string[][] {
  if (depth > 10) throw new Error('macro recursion');
  const macro = script.macros.get(name);
  if (!macro) throw new Error(`no macro ${name}`);
  if (args.length !== macro.params.length) throw new Error(`${name} takes ${macro.params.length} arguments`);
  const substitute = (token: string) =>
    token.replace(/\$\{([A-Za-z_][\w.]*)\}/g, (whole, key: string) => {
      const index = macro.params.indexOf(key);
      if (index >= 0) return args[index]!;
      return script.defines.get(key) ?? whole;
    });
  const out: string[][] = [];
  for (const statement of macro.body) {
    const tokens = statement.map(substitute);
    if (tokens[0] === '!insertmacro') out.push(...expand(tokens[1]!, tokens.slice(2), script, depth + 1));
    else out.push(tokens);
  }
  return out;
}

const script = parseScript(SCRIPT);
const install = expand('customInstall', [], script);
const uninstall = expand('customUnInstall', [], script);

interface RegWrite {
  root: string;
  key: string;
  name: string;
  value: string;
}

const writes: RegWrite[] = install
  .filter((t) => t[0]?.startsWith('WriteReg'))
  .map((t) => {
    expect(t[0], 'only string values are written').toBe('WriteRegStr');
    expect(t).toHaveLength(5);
    return { root: t[1]!, key: t[2]!, name: t[3]!, value: t[4]! };
  });
const keyDeletes = uninstall.filter((t) => t[0] === 'DeleteRegKey').map((t) => (t[1] === '/ifempty' ? { root: t[2]!, key: t[3]!, ifEmpty: true } : { root: t[1]!, key: t[2]!, ifEmpty: false }));
const valueDeletes = uninstall.filter((t) => t[0] === 'DeleteRegValue').map((t) => ({ root: t[1]!, key: t[2]!, name: t[3]! }));

function written(key: string, name: string): string | undefined {
  return writes.find((w) => w.key === key && w.name === name)?.value;
}

function isUnder(key: string, parent: string): boolean {
  return key.toLowerCase() === parent.toLowerCase() || key.toLowerCase().startsWith(`${parent.toLowerCase()}\\`);
}

describe('assets/installer.nsh', () => {
  it('defines the hooks electron-builder inserts, with no parameters', () => {
    expect(script.macros.get('customInstall')?.params).toEqual([]);
    expect(script.macros.get('customUnInstall')?.params).toEqual([]);
    // The names electron-builder's templates look for (installSection.nsh, uninstaller.nsh).
    const templates = join(ROOT, 'node_modules/app-builder-lib/templates/nsis');
    expect(readFileSync(join(templates, 'installSection.nsh'), 'utf8')).toMatch(/!insertmacro customInstall\b/);
    expect(readFileSync(join(templates, 'uninstaller.nsh'), 'utf8')).toMatch(/!insertmacro customUnInstall\b/);
  });

  it('registers a ProgID for every scheme whose open command ends switch parsing with --', () => {
    for (const scheme of SCHEMES) {
      const progId = `Software\\Classes\\Tsunagu.Url.${scheme}`;
      expect(written(`${progId}\\shell\\open\\command`, ''), scheme).toBe(COMMAND);
      expect(written(progId, ''), scheme).toBeTruthy();
    }
  });

  it('declares a URL association for every scheme in Capabilities', () => {
    for (const scheme of SCHEMES) {
      expect(written('Software\\Tsunagu\\Capabilities\\URLAssociations', scheme), scheme).toBe(`Tsunagu.Url.${scheme}`);
    }
    expect(written('Software\\Tsunagu\\Capabilities', 'ApplicationName')).toBe('${PRODUCT_NAME}');
    expect(written('Software\\Tsunagu\\Capabilities', 'ApplicationDescription')).toBeTruthy();
  });

  it('lists the capabilities under RegisteredApplications', () => {
    expect(written('Software\\RegisteredApplications', 'Tsunagu')).toBe('Software\\Tsunagu\\Capabilities');
  });

  it('registers our own tsunagu: scheme directly, as a URL protocol', () => {
    expect(written('Software\\Classes\\tsunagu', 'URL Protocol')).toBe('');
    expect(written('Software\\Classes\\tsunagu\\shell\\open\\command', '')).toBe(COMMAND);
  });

  it('never takes over another app’s scheme key (Software\\Classes\\tel etc.)', () => {
    for (const scheme of ['tel', 'callto', 'sip', 'sips']) {
      expect(writes.filter((w) => isUnder(w.key, `Software\\Classes\\${scheme}`))).toEqual([]);
      expect(keyDeletes.filter((d) => isUnder(d.key, `Software\\Classes\\${scheme}`))).toEqual([]);
    }
  });

  it('every command it writes passes the link after -- and quoted', () => {
    const commands = writes.filter((w) => /\\command$/i.test(w.key));
    expect(commands).toHaveLength(SCHEMES.length + 1);
    for (const c of commands) expect(c.value).toBe(COMMAND);
  });

  it('writes to one registry root, the one electron-builder picked for the install mode', () => {
    const roots = new Set([...writes.map((w) => w.root), ...keyDeletes.map((d) => d.root), ...valueDeletes.map((d) => d.root)]);
    expect([...roots]).toEqual(['SHELL_CONTEXT']);
  });

  it('uninstall removes every key and value install wrote', () => {
    const unmatched = writes.filter(
      (w) =>
        !keyDeletes.some((d) => !d.ifEmpty && d.root === w.root && isUnder(w.key, d.key)) &&
        !valueDeletes.some((d) => d.root === w.root && d.key === w.key && d.name === w.name),
    );
    expect(unmatched).toEqual([]);
  });

  it('uninstall removes nothing install did not write', () => {
    for (const d of keyDeletes) {
      // A key we delete is one we wrote into (or, /ifempty only, the parent of one).
      expect(writes.some((w) => w.root === d.root && isUnder(w.key, d.key)), d.key).toBe(true);
    }
    for (const d of valueDeletes) expect(written(d.key, d.name), `${d.key} ${d.name}`).toBeDefined();
    // Shared keys are only ever touched value by value, never deleted whole.
    for (const shared of ['Software\\RegisteredApplications', 'Software\\Classes', 'Software']) {
      expect(keyDeletes.filter((d) => d.key.toLowerCase() === shared.toLowerCase())).toEqual([]);
    }
    // The vendor key Software\Tsunagu is removed only if empty (something else may live there).
    expect(keyDeletes.find((d) => d.key === 'Software\\Tsunagu')).toEqual({ root: 'SHELL_CONTEXT', key: 'Software\\Tsunagu', ifEmpty: true });
  });

  it('keeps the registration across updates (uninstall work is inside ${ifNot} ${isUpdated})', () => {
    const first = uninstall.findIndex((t) => t[0]?.startsWith('Delete'));
    const guard = uninstall.findIndex((t) => t[0] === '${ifNot}' && t[1] === '${isUpdated}');
    const end = uninstall.findIndex((t) => t[0] === '${endIf}');
    expect(guard).toBeGreaterThanOrEqual(0);
    expect(guard).toBeLessThan(first);
    expect(uninstall.slice(end + 1).filter((t) => t[0]?.startsWith('Delete'))).toEqual([]);
  });

  it('matches the schemes electron-builder.yml declares and the product name of the .exe', () => {
    const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { productName: string; protocols: { schemes: string[] }[] };
    expect(config.protocols.flatMap((p) => p.schemes).sort()).toEqual([...SCHEMES].sort());
    // APP_EXECUTABLE_FILENAME is ${PRODUCT_FILENAME}.exe, i.e. Tsunagu.exe.
    expect(config.productName).toBe('Tsunagu');
  });
});
