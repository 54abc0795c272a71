/**
 * The `app` database every test server gets (PostgreSQL and MariaDB alike): users and their
 * orders, few enough to read in a test, and shaped for the shop service's N+1 endpoint (six
 * users, so one request makes 1 + 6 queries; two users without orders, so some answers are empty).
 * Ids come from the tables' own sequences, in the order below: 1..6 and 1..7 on a fresh server.
 */

export interface SeedUser {
  id: number;
  name: string;
  email: string | null;
}

export interface SeedOrder {
  id: number;
  userId: number;
  /** NUMERIC(10,2): drivers return it as a string ("12.50"), which is what a test compares. */
  total: string;
}

export const SEED_USERS: readonly SeedUser[] = [
  { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' },
  { id: 2, name: 'Alan Turing', email: 'alan@example.com' },
  { id: 3, name: 'Grace Hopper', email: 'grace@example.com' },
  { id: 4, name: 'Edsger Dijkstra', email: 'edsger@example.com' },
  { id: 5, name: 'Barbara Liskov', email: 'barbara@example.com' },
  { id: 6, name: 'Ken Thompson', email: null },
];

export const SEED_ORDERS: readonly SeedOrder[] = [
  { id: 1, userId: 1, total: '12.50' },
  { id: 2, userId: 1, total: '7.25' },
  { id: 3, userId: 2, total: '99.00' },
  { id: 4, userId: 3, total: '3.10' },
  { id: 5, userId: 3, total: '45.00' },
  { id: 6, userId: 3, total: '8.80' },
  { id: 7, userId: 5, total: '20.00' },
];

/** The column types that differ between the two servers; everything else is shared SQL. */
const DDL = {
  postgres: [
    'CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT)',
    'CREATE TABLE orders (id SERIAL PRIMARY KEY, user_id INT NOT NULL REFERENCES users(id), total NUMERIC(10,2) NOT NULL)',
  ],
  mariadb: [
    'CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200)) ENGINE=InnoDB',
    'CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, total DECIMAL(10,2) NOT NULL, FOREIGN KEY (user_id) REFERENCES users(id)) ENGINE=InnoDB',
  ],
} as const;

const literal = (v: string | null): string => (v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`);

/** The statements that create and fill the tables, `;`-separated, for one run of the CLI. */
export function seedSql(dialect: keyof typeof DDL): string {
  const users = SEED_USERS.map((u) => `(${literal(u.name)}, ${literal(u.email)})`).join(', ');
  const orders = SEED_ORDERS.map((o) => `(${o.userId}, ${o.total})`).join(', ');
  return [
    ...DDL[dialect],
    `INSERT INTO users (name, email) VALUES ${users}`,
    `INSERT INTO orders (user_id, total) VALUES ${orders}`,
  ].join(';\n') + ';\n';
}
