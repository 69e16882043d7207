/**
 * Generates src-main/sandbox/lab-api.d.ts, the typings Monaco shows, from the bindings themselves: the
 * whitelisted methods and properties of CLASS_BINDINGS, with the engines' own TypeScript signatures and doc
 * comments, the types they mention (copied from the engines' sources), and the prelude's globals.
 *
 *   npm run gen:api           write the file
 *   npm run gen:api -- --check  exit 1 if the file is not what the bindings generate (CI runs this as a test)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { CLASS_BINDINGS } from '../src-main/sandbox/bindings';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(root, 'src-main/sandbox/lab-api.d.ts');
const GLOBALS = path.join(root, 'src-main/sandbox/lab-globals.d.ts');

export function generateLabApi(): string {
  const program = ts.createProgram(
    [path.join(root, 'src-main/sandbox/bindings.ts'), path.join(root, 'src-main/engines/kernel.ts')],
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    },
  );
  const checker = program.getTypeChecker();
  const sourceFiles = program.getSourceFiles().filter((f) => /\/src-main\/(engines|oracle|sandbox)\//.test(f.fileName));

  // TS class name -> the name scripts see.
  const rename = new Map<string, string>();
  const classDecls = new Map<string, ts.ClassDeclaration | ts.InterfaceDeclaration>();
  /** Interfaces and type aliases of the engines and the oracle, by name (for names the first pass missed). */
  const typeByName = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();
  for (const f of sourceFiles) {
    ts.forEachChild(f, (n) => {
      if ((ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n)) && n.name) classDecls.set(n.name.text, n);
      if (
        (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) &&
        /\/src-main\/(engines|oracle)\//.test(f.fileName)
      ) {
        typeByName.set(n.name.text, n);
      }
    });
  }
  for (const b of CLASS_BINDINGS) {
    const tsName = b.tsType ?? b.type?.name;
    if (!tsName) throw new Error(`binding ${b.name}: no TypeScript type to generate from (set tsType)`);
    rename.set(tsName, b.name);
  }

  const emitted = new Set<string>();
  const queue: ts.Symbol[] = [];
  const typeDecls: string[] = [];
  const printType = (t: ts.Type, at: ts.Node): string =>
    checker.typeToString(
      t,
      at,
      ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope,
    );
  const doc = (sym: ts.Symbol | undefined, indent: string): string => {
    if (!sym) return '';
    const text = ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
    return text ? `${indent}/** ${text.replace(/\n/g, `\n${indent} * `)} */\n` : '';
  };

  /** Queues the engine-declared named types a type mentions (interfaces and aliases; bound classes aside). */
  const collect = (t: ts.Type, seen = new Set<ts.Type>()): void => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const sym of [t.aliasSymbol, t.getSymbol()]) {
      if (!sym) continue;
      const decl = sym.declarations?.[0];
      if (!decl || !/\/src-main\/(engines|oracle)\//.test(decl.getSourceFile().fileName)) continue;
      if (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) {
        if (!rename.has(sym.name) && !emitted.has(sym.name)) queue.push(sym);
        if (ts.isTypeAliasDeclaration(decl) && t.aliasSymbol === sym) return;
      }
    }
    if (t.isUnionOrIntersection()) for (const u of t.types) collect(u, seen);
    for (const a of (t as ts.TypeReference).typeArguments ?? checker.getTypeArguments(t as ts.TypeReference) ?? [])
      collect(a, seen);
    if (t.getCallSignatures().length) {
      for (const s of t.getCallSignatures()) {
        for (const p of s.parameters) collect(checker.getTypeOfSymbol(p), seen);
        collect(s.getReturnType(), seen);
      }
    }
    if (
      t.getSymbol()?.flags &&
      (t.getSymbol()!.flags & (ts.SymbolFlags.TypeLiteral | ts.SymbolFlags.ObjectLiteral)) !== 0
    ) {
      for (const p of t.getProperties()) collect(checker.getTypeOfSymbol(p), seen);
    }
  };

  const interfaces: string[] = [];
  for (const b of CLASS_BINDINGS) {
    const tsName = b.tsType ?? b.type!.name;
    const decl = classDecls.get(tsName);
    if (!decl) throw new Error(`binding ${b.name}: no class or interface ${tsName} in src-main/engines`);
    const sym = checker.getSymbolAtLocation(decl.name!)!;
    const type = checker.getDeclaredTypeOfSymbol(sym);
    const lines: string[] = [];
    const extrasDecl = b.extrasType ? classDecls.get(b.extrasType) : undefined;
    if (b.extrasType && !extrasDecl) throw new Error(`binding ${b.name}: no interface ${b.extrasType}`);
    const extrasType = extrasDecl
      ? checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(extrasDecl.name!)!)
      : undefined;
    const member = (name: string): ts.Symbol => {
      const fromExtras = b.extras && Object.hasOwn(b.extras, name) && extrasType;
      const p = checker.getPropertyOfType(fromExtras ? extrasType : type, name);
      if (!p) throw new Error(`binding ${b.name}: ${tsName} has no member '${name}'`);
      return p;
    };
    for (const name of [...(b.consts ?? []), ...(b.props ?? [])]) {
      const p = member(name);
      const t = checker.getTypeOfSymbolAtLocation(p, decl);
      collect(t);
      lines.push(`${doc(p, '  ')}  readonly ${name}: ${printType(t, decl)};`);
    }
    for (const name of b.methods) {
      const p = member(name);
      const t = checker.getTypeOfSymbolAtLocation(p, decl);
      const sigs = t.getCallSignatures();
      if (!sigs.length) throw new Error(`binding ${b.name}: ${tsName}.${name} is not a method`);
      for (const s of sigs) {
        const params = s.parameters.map((param) => {
          const pd = param.valueDeclaration as ts.ParameterDeclaration | undefined;
          const pt = checker.getTypeOfSymbolAtLocation(param, decl);
          collect(pt);
          const optional = pd && (pd.questionToken || pd.initializer) ? '?' : '';
          const rest = pd?.dotDotDotToken ? '...' : '';
          let printed = printType(pt, decl);
          if (optional) printed = printed.replace(/ \| undefined$/, '');
          return `${rest}${param.name}${optional}: ${printed}`;
        });
        const ret = s.getReturnType();
        collect(ret);
        lines.push(`${doc(p, '  ')}  ${name}(${params.join(', ')}): ${printType(ret, decl)};`);
      }
    }
    interfaces.push(`${doc(sym, '')}interface ${b.name} {\n${lines.join('\n')}\n}`);
  }

  // The named types the members mention, copied from the engines' sources (with their doc comments), and the
  // types those mention in turn; boot()'s options too.
  const bootDecl = classDecls.get('BootOptions');
  if (!bootDecl) throw new Error('no BootOptions in src-main/engines/kernel.ts');
  queue.push(checker.getSymbolAtLocation(bootDecl.name!)!);
  const drain = (): void => {
    while (queue.length) {
      const sym = queue.shift()!;
      if (emitted.has(sym.name)) continue;
      emitted.add(sym.name);
      const decl = sym.declarations![0]!;
      const sf = decl.getSourceFile();
      const comments = ts.getLeadingCommentRanges(sf.text, decl.getFullStart()) ?? [];
      const lastDoc = comments.filter((c) => sf.text.slice(c.pos, c.end).startsWith('/**')).pop();
      const docText = lastDoc ? sf.text.slice(lastDoc.pos, lastDoc.end) + '\n' : '';
      let hasQuery = false;
      const findQuery = (n: ts.Node): void => {
        if (ts.isTypeQueryNode(n)) hasQuery = true;
        ts.forEachChild(n, findQuery);
      };
      findQuery(decl);
      if (ts.isTypeAliasDeclaration(decl) && hasQuery) {
        // `keyof typeof SOME_TABLE`: the table is a value scripts do not have, so spell the type out.
        const t = checker.getTypeAtLocation(decl.name);
        typeDecls.push(
          `${docText}type ${sym.name} = ${checker.typeToString(t, decl, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias)};`,
        );
        continue;
      }
      typeDecls.push((docText + sf.text.slice(decl.getStart(), decl.getEnd())).replace(/^export\s+/m, ''));
      const visit = (n: ts.Node): void => {
        const ref = ts.isTypeReferenceNode(n)
          ? n.typeName
          : ts.isExpressionWithTypeArguments(n)
            ? n.expression
            : undefined;
        if (ref) {
          let s = checker.getSymbolAtLocation(ref);
          if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
          const d = s?.declarations?.[0];
          if (
            s &&
            d &&
            /\/src-main\/(engines|oracle)\//.test(d.getSourceFile().fileName) &&
            (ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d)) &&
            !rename.has(s.name)
          ) {
            queue.push(s);
          }
        }
        ts.forEachChild(n, visit);
      };
      visit(decl);
    }
  };
  drain();

  const globals = readFileSync(GLOBALS, 'utf8');
  const render = (): string => {
    let body = [...interfaces, ...typeDecls].join('\n\n');
    for (const [from, to] of rename) if (from !== to) body = body.replace(new RegExp(`\\b${from}\\b`, 'g'), to);
    body = body.replace(/\b(Uint8Array|Uint32Array|Float64Array)<ArrayBufferLike>/g, '$1');
    return `${globals.trimEnd()}\n\n// ---- generated from src-main/sandbox/bindings.ts by scripts/gen-lab-api.ts: do not edit below ----\n\n${body}\n`;
  };
  // Printed types can name types the walk above did not reach (an indexed access such as X['errors']): compile
  // the result on its own and add what it cannot find, until it stands alone.
  let text = render();
  for (let round = 0; round < 8; round++) {
    const missing = unresolvedNames(text).filter((n) => typeByName.has(n) && !emitted.has(n));
    if (!missing.length) break;
    for (const n of missing) queue.push(checker.getSymbolAtLocation(typeByName.get(n)!.name)!);
    drain();
    text = render();
  }
  return text;
}

/** The names a d.ts text uses but does not declare ("Cannot find name 'X'"). */
function unresolvedNames(text: string): string[] {
  const file = '/lab-api.d.ts';
  const host = ts.createCompilerHost({ noEmit: true, lib: ['lib.es2022.d.ts'], types: [] });
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(file, text, lang) : read(name, lang, ...rest);
  const program = ts.createProgram([file], { noEmit: true, lib: ['lib.es2022.d.ts'], types: [] }, host);
  const names = new Set<string>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const m = /Cannot find name '(\w+)'/.exec(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    if (m) names.add(m[1]!);
  }
  return [...names];
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('gen-lab-api.ts')) {
  const text = generateLabApi();
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUT, 'utf8');
    if (current !== text) {
      console.error('lab-api.d.ts is out of date: run `npm run gen:api`');
      process.exit(1);
    }
    console.log('lab-api.d.ts matches the bindings');
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${path.relative(root, OUT)} (${text.split('\n').length} lines)`);
  }
}
