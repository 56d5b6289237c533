"""The tests' own PostgreSQL (tests/postgres_server.py) is real and behaves as a server does:
it runs as an unprivileged user, each test gets an empty database of its own, and it comes back
after a restart and after a kill -9 with what was committed."""

from __future__ import annotations

import os

import psycopg


def test_each_test_gets_an_empty_database_of_its_own(postgres, postgres_url):
    other = postgres.new_database()
    assert other != postgres_url
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    with psycopg.connect(other) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    owner = postgres.rows(postgres_url, "SELECT usename FROM pg_stat_activity WHERE pid = pg_backend_pid()")
    assert owner == [("central",)]
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: the cluster's files are another user's
        assert (postgres.data / "PG_VERSION").stat().st_uid != 0


def test_committed_rows_survive_a_restart_and_a_kill(postgres, postgres_url):
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    postgres.restart()
    assert postgres.rows(postgres_url, "SELECT x FROM t") == [(1,)]
    with psycopg.connect(postgres_url) as conn:
        conn.execute("INSERT INTO t VALUES (2)")
    postgres.kill()
    postgres.start()
    assert postgres.rows(postgres_url, "SELECT x FROM t ORDER BY x") == [(1,), (2,)]
