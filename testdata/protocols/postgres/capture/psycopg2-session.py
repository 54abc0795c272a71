"""psycopg2 (libpq, simple protocol with client-side parameters): a transaction and executemany.
Usage: python3 psycopg2-session.py PORT"""
import sys

import psycopg2

conn = psycopg2.connect(host='127.0.0.1', port=int(sys.argv[1]), user='postgres', dbname='shop', sslmode='disable', application_name='psycopg2-corpus')
cur = conn.cursor()
cur.execute('CREATE TEMP TABLE orders (id serial, customer text, total numeric)')
cur.executemany('INSERT INTO orders (customer, total) VALUES (%s, %s)', [('ann', 10), ('bob', 20.5), ("o'neil", None)])
cur.execute('SELECT customer, total FROM orders WHERE total > %s', (5,))
cur.fetchall()
conn.commit()
conn.close()
