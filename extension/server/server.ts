/**
 * The .wat language server (stdio or IPC): diagnostics from binaryen's parser and validator
 * (exact ranges for parse errors, the function's name for validation errors), document symbols,
 * hover (signatures, local types), go to definition of $names, code lenses at the migration points
 * the compiler places (pointLenses.ts).
 * binaryen loads only through a dynamic import: the first validation awaits it.
 */
import {
  createConnection, DiagnosticSeverity, DocumentSymbol, Hover, Location, ProposedFeatures,
  SymbolKind, TextDocuments, TextDocumentSyncKind, type Diagnostic, type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getBinaryen, parseWat, WatParseError } from '../../compiler-core/src/index';
import { contains, indexWat, LineMap, nameAt, type WatField, type WatIndex } from './watIndex';
import { pointLenses } from './pointLenses';

const KIND: Record<string, SymbolKind> = {
  func: SymbolKind.Function, global: SymbolKind.Variable, memory: SymbolKind.Array, table: SymbolKind.Array,
  export: SymbolKind.Interface, type: SymbolKind.TypeParameter, data: SymbolKind.String, elem: SymbolKind.Array, import: SymbolKind.Module,
};
const REF_KIND: Record<string, string> = {
  call: 'func', 'return_call': 'func', 'ref.func': 'func', func: 'func', 'global.get': 'global', 'global.set': 'global', global: 'global',
  'call_indirect': 'type', type: 'type', 'memory.size': 'memory', 'memory.grow': 'memory', memory: 'memory',
  'table.get': 'table', 'table.set': 'table', 'table.size': 'table', 'table.grow': 'table', 'table.fill': 'table', table: 'table',
};

export async function diagnose(text: string, uri: string): Promise<Diagnostic[]> {
  const file = uri.replace(/^.*\//, '');
  try {
    await parseWat(text, file);
    return [];
  } catch (e) {
    const lm = new LineMap(text);
    const msg = (e as Error).message;
    let range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    if (e instanceof WatParseError && e.line !== undefined) {
      const line = e.line - 1;
      const col = Math.max(0, (e.column ?? 1) - 1);
      const off = lm.offset({ line, character: col });
      let end = off;
      while (end < text.length && /[^\s()]/.test(text[end])) end++;
      range = { start: { line, character: col }, end: lm.pos(Math.max(end, off + 1)) };
    } else {
      // validator messages name the function: point at its header
      const idx = indexWat(text);
      const f = idx.fields.find((x) => x.kind === 'func' && x.name && new RegExp(`(^|[^\\w$])\\${x.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}?\\b|\\b${x.name.slice(1)}\\b`).test(msg.replace(/^[^:]*: /, '')));
      if (f) range = f.nameRange ?? { start: f.range.start, end: f.range.start };
    }
    const reason = msg.replace(/^[^:]+:(\d+:\d+:|0x[0-9a-f]+:)? ?/, '');
    return [{ range, severity: DiagnosticSeverity.Error, source: 'wanco', message: reason }];
  }
}

export function symbols(idx: WatIndex): DocumentSymbol[] {
  return idx.fields.filter((f) => ['func', 'global', 'memory', 'table', 'export'].includes(f.kind)).map((f) => {
    const name = f.kind === 'export' ? `export "${f.exportName}"` : f.name ?? `${f.kind} ${f.index}`;
    const sel = f.nameRange ?? { start: f.range.start, end: f.range.start };
    return DocumentSymbol.create(name, f.kind === 'func' ? f.signature : f.kind, KIND[f.kind], f.range, sel,
      f.kind === 'func' ? f.locals.filter((l) => l.name).map((l) => DocumentSymbol.create(l.name!, `${l.kind} ${l.type}`, SymbolKind.Variable, l.range, l.range)) : undefined);
  });
}

function enclosingFunc(idx: WatIndex, pos: { line: number; character: number }): WatField | undefined {
  return idx.fields.find((f) => f.kind === 'func' && contains(f.range, pos));
}

export function definition(text: string, idx: WatIndex, pos: { line: number; character: number }): { field?: WatField; local?: WatField['locals'][number]; range: { start: { line: number; character: number }; end: { line: number; character: number } } } | undefined {
  const lm = new LineMap(text);
  const w = nameAt(text, lm.offset(pos));
  if (!w) return undefined;
  const ref = idx.refs.find((r) => contains(r.range, pos));
  const kw = ref?.keyword ?? '';
  const fn = enclosingFunc(idx, pos);
  if (kw.startsWith('local.') || !REF_KIND[kw]) {
    const l = fn?.locals.find((x) => x.name === w.name);
    if (l) return { local: l, field: fn, range: l.range };
  }
  const want = REF_KIND[kw];
  const f = idx.fields.find((x) => x.name === w.name && (!want || x.kind === want)) ?? idx.fields.find((x) => x.name === w.name);
  if (f) return { field: f, range: f.nameRange ?? f.range };
  return undefined;
}

export function hover(text: string, idx: WatIndex, pos: { line: number; character: number }): Hover | null {
  const d = definition(text, idx, pos);
  if (!d) return null;
  const value = d.local ? `(${d.local.kind} ${d.local.name} ${d.local.type}) ;; local ${d.local.index} of ${d.field?.name ?? 'func'}`
    : `${d.field!.signature}${d.field!.kind === 'func' ? ` ;; func ${d.field!.index}` : ''}`;
  return { contents: { kind: 'markdown', value: '```wat\n' + value + '\n```' } };
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, { version: number; idx: WatIndex }>();
  const indexOf = (doc: TextDocument) => {
    const c = cache.get(doc.uri);
    if (c && c.version === doc.version) return c.idx;
    const idx = indexWat(doc.getText());
    cache.set(doc.uri, { version: doc.version, idx });
    return idx;
  };
  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      documentSymbolProvider: true, hoverProvider: true, definitionProvider: true, codeLensProvider: { resolveProvider: false },
    },
  }));
  const pending = new Map<string, NodeJS.Timeout>();
  documents.onDidChangeContent((ch) => {
    const doc = ch.document;
    clearTimeout(pending.get(doc.uri));
    pending.set(doc.uri, setTimeout(async () => {
      const version = doc.version;
      const diags = await diagnose(doc.getText(), doc.uri).catch((e) => [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Error, source: 'wanco', message: String((e as Error).message) }]);
      if (documents.get(doc.uri)?.version === version) connection.sendDiagnostics({ uri: doc.uri, version, diagnostics: diags });
    }, 150));
  });
  documents.onDidClose((e) => { cache.delete(e.document.uri); lensCache.delete(e.document.uri); connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }); });
  connection.onDocumentSymbol((p) => { const d = documents.get(p.textDocument.uri); return d ? symbols(indexOf(d)) : []; });
  connection.onHover((p) => { const d = documents.get(p.textDocument.uri); return d ? hover(d.getText(), indexOf(d), p.position) : null; });
  connection.onDefinition((p) => {
    const d = documents.get(p.textDocument.uri);
    if (!d) return null;
    const r = definition(d.getText(), indexOf(d), p.position);
    return r ? Location.create(d.uri, r.range) : null;
  });
  const lensCache = new Map<string, { version: number; lenses: ReturnType<typeof pointLenses> }>();
  connection.onCodeLens((p) => {
    const d = documents.get(p.textDocument.uri);
    if (!d) return [];
    const c = lensCache.get(d.uri);
    if (c && c.version === d.version) return c.lenses;
    const lenses = pointLenses(d.getText(), d.uri.replace(/^.*\//, '')).catch(() => []);
    lensCache.set(d.uri, { version: d.version, lenses });
    return lenses;
  });
  documents.listen(connection);
  connection.listen();
}

/** binaryen (loaded through a dynamic import) binds console.log when it initialises; load it before
 * the connection redirects console.* so that validator messages reach captureOutput, not the client. */
export async function main(): Promise<void> {
  await getBinaryen();
  startServer(createConnection(ProposedFeatures.all));
}

if (require.main === module || process.env.WANCO_LS_MAIN) void main();
