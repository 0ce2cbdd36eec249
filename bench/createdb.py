"""Create the benchmark database named by DATABASE_URL if it is PostgreSQL and missing."""

import os

import psycopg

url = os.environ["DATABASE_URL"]
if url.startswith(("postgres://", "postgresql://")):
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
