/**
 * Passwords written into SQL are secrets like those of the handshake. MySQL: `CREATE USER u
 * IDENTIFIED BY 'pw'`, `ALTER USER ... IDENTIFIED WITH plugin BY 'pw'`, `SET PASSWORD =
 * PASSWORD('pw')`, `CHANGE MASTER TO MASTER_PASSWORD = 'pw'`; PostgreSQL: `CREATE ROLE u LOGIN
 * PASSWORD 'pw'`, `ALTER USER u WITH ENCRYPTED PASSWORD 'SCRAM-SHA-256$…'` (psql's \password
 * sends the verifier). The quoted literal is replaced by '***' before the SQL becomes a call's
 * text; everything else of the statement is kept. Shared by both SQL parsers.
 */

const QUOTED = String.raw`'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"`;
const PATTERNS = [
  new RegExp(String.raw`(\bIDENTIFIED\s+(?:WITH\s+\S+\s+)?(?:BY|AS)\s+(?:PASSWORD\s+)?)(${QUOTED})`, 'gi'),
  new RegExp(String.raw`(\b(?:OLD_)?PASSWORD\s*\(\s*)(${QUOTED})`, 'gi'),
  new RegExp(String.raw`(\bSET\s+PASSWORD\b[^=]{0,200}=\s*)(${QUOTED})`, 'gi'),
  new RegExp(String.raw`(\b(?:MASTER|SOURCE)_PASSWORD\s*=\s*)(${QUOTED})`, 'gi'),
  // PostgreSQL's role option, also with E'' strings
  new RegExp(String.raw`(\b(?:(?:UN)?ENCRYPTED\s+)?PASSWORD\s+E?)(${QUOTED})`, 'gi'),
];
/** Only statements that can carry a password are searched. */
const MAY_HOLD_PASSWORD = /IDENTIFIED|PASSWORD/i;

export function redactPasswords(sql: string): string {
  if (!MAY_HOLD_PASSWORD.test(sql)) return sql;
  let out = sql;
  for (const pattern of PATTERNS) out = out.replace(pattern, "$1'***'");
  return out;
}
