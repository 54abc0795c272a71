/** Passwords written into SQL are never kept (src/protocols/sql-secrets.ts): PostgreSQL's forms. */
import { describe, expect, it } from 'vitest';

import { redactPasswords } from '../../src/protocols/sql-secrets.js';

describe('redactPasswords, PostgreSQL', () => {
  it('hides the password of a role, in every way it is written', () => {
    expect(redactPasswords("CREATE ROLE app LOGIN PASSWORD 'tinytap-pw'")).toBe("CREATE ROLE app LOGIN PASSWORD '***'");
    expect(redactPasswords("ALTER USER app WITH ENCRYPTED PASSWORD 'SCRAM-SHA-256$4096:abc'")).toBe("ALTER USER app WITH ENCRYPTED PASSWORD '***'");
    expect(redactPasswords("alter role app password E'it\\'s'")).toBe("alter role app password E'***'");
    expect(redactPasswords("CREATE USER u PASSWORD 'a''b' VALID UNTIL '2030-01-01'")).toBe("CREATE USER u PASSWORD '***' VALID UNTIL '2030-01-01'");
  });

  it('leaves alone what only mentions passwords', () => {
    expect(redactPasswords('ALTER ROLE app PASSWORD NULL')).toBe('ALTER ROLE app PASSWORD NULL');
    expect(redactPasswords("SELECT 'password' AS word")).toBe("SELECT 'password' AS word");
    expect(redactPasswords('SELECT rolpassword FROM pg_authid')).toBe('SELECT rolpassword FROM pg_authid');
  });
});
