// One CSV cell as the app writes it: quoted when it holds a comma, quote or line break, and defused when
// a spreadsheet would run it as a formula (a first character of = + - @ tab or CR gets a single quote in
// front, as OWASP advises). Class names can not start so (class-names.ts), and paths are absolute.
export function csvCell(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
