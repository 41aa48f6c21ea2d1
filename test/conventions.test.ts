/**
 * Repository conventions that a reviewer would otherwise have to catch (CONTRIBUTING.md):
 * every exported declaration of a package's sources carries TSDoc, and the sans-IO core imports
 * nothing from Node.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The published packages and the simulator (bench/ is a private workspace of benchmark registrations).
const SOURCE_ROOTS = ['packages/core/src', 'packages/node/src', 'sim/src'];

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function undocumentedExports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const missing: string[] = [];
  for (const statement of source.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const comments = ts.getLeadingCommentRanges(text, statement.pos) ?? [];
    if (comments.some((range) => text.startsWith('/**', range.pos))) continue;
    const line = source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1;
    missing.push(`${file}:${line}`);
  }
  return missing;
}

describe('repository conventions', () => {
  it('every exported declaration has TSDoc', () => {
    const missing = SOURCE_ROOTS.flatMap((root) => sourceFiles(root)).flatMap(undocumentedExports);
    expect(missing, `exports without a /** … */ comment:\n${missing.join('\n')}`).toEqual([]);
  });

  it('the sans-IO core imports nothing from Node', () => {
    const offenders = sourceFiles('packages/core/src').filter((file) =>
      /from ['"](node:|fs['"]|path['"]|os['"]|crypto['"]|worker_threads['"])/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
