/**
 * Function names as frames show them: DWARF's source names without Rust's symbol hash, and the
 * name section's Rust symbols (code without source here, such as std) demangled.
 */

/** A source function's name as a frame shows it: a Rust function without its hash (`main::total`, not `main::total::h0123…`). */
export function sourceFunctionName(name: string): string {
  return name.replace(/::h[0-9a-f]{16}$/, '');
}

/**
 * A Rust symbol in the legacy mangling rustc 1.63 uses (`_ZN3std2rt10lang_start17h0123…E`) as
 * `std::rt::lang_start`; anything else as it is. (A C++ name has no `17h…` hash before its `E`.)
 */
export function demangleRust(name: string): string {
  const m = /^_ZN(.*)17h[0-9a-f]{16}E$/.exec(name);
  if (!m) return name;
  const parts: string[] = [];
  let rest = m[1];
  while (rest.length > 0) {
    const n = /^(\d+)/.exec(rest);
    if (!n) return name;
    const len = Number(n[1]);
    parts.push(rest.slice(n[1].length, n[1].length + len));
    rest = rest.slice(n[1].length + len);
  }
  const ESC: Record<string, string> = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };
  return parts.map((p) => p.replace(/^_\$/, '$').replace(/\$([A-Z]{1,2}|u[0-9a-f]+)\$/g, (_, e: string) =>
    e.startsWith('u') ? String.fromCodePoint(parseInt(e.slice(1), 16)) : ESC[e] ?? `$${e}$`).replace(/\.\./g, '::')).join('::');
}
