"""The storage floor of invite creation on SQLite: the create transaction's own statements,
run back to back on one connection with no HTTP, no session and no thread hops in between.
Whatever the server does per request comes on top, so the server cannot create invites
faster than this. Not a test: it reports numbers.

    python3 bench/storage_floor.py DB [transactions]

DB is a database the server has migrated and used (scripts/bench.sh passes its own, which has the
admin and the invites of the run). It is only read: the transactions run on copies. Python's
SQLite is not the one the server links, so read the result as an estimate.
"""

import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid

# What migrations 0003 and 0007 added for the panel at a million invites.
LIST_INDEXES = [
    "invites_created", "invites_expires", "invites_email", "invites_state_created",
    "invites_state_expires", "invites_state_email", "invites_role_created",
    "invites_inviter_created", "invites_delivery_created",
]
LIST_TRIGGERS = ["invites_trigrams_insert", "invites_count_insert"]


def copy_db(source, target):
    """A consistent copy, even while the server still writes (SQLite's online backup)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()


def connect(path):
    c = sqlite3.connect(path, isolation_level=None)
    # As the server's writer connection has them (domain/src/store/mod.rs).
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("PRAGMA synchronous = NORMAL")
    c.execute("PRAGMA foreign_keys = ON")
    c.execute("PRAGMA wal_autocheckpoint = 10000")
    return c


def creates_per_second(path, n, per_commit=1):
    """The statements of Services::create_invite's transaction, for n new addresses;
    `per_commit` creates share one commit (what group commit would do)."""
    c = connect(path)
    inviter = c.execute("SELECT id FROM users LIMIT 1").fetchone()[0]
    run = uuid.uuid4().hex[:8]
    start = time.perf_counter()
    for i in range(n):
        invite, email, now = str(uuid.uuid4()), f"floor-{run}-{i}@example.com", int(time.time() * 1000)
        if i % per_commit == 0:
            c.execute("BEGIN IMMEDIATE")
        cur = c.execute(
            "INSERT INTO invites (id, email, role_id, inviter_id, message, token_digest, copy_digest, created_at, expires_at) "
            "SELECT ?1, ?2, 'analyst', ?3, '', ?4, ?4 || '-copy', ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = ?2) "
            "ON CONFLICT (email) WHERE accepted_at IS NULL AND revoked_at IS NULL AND closed_at IS NULL DO NOTHING",
            (invite, email, inviter, f"digest-{run}-{i}", now, now + 7 * 86_400_000),
        )
        assert cur.rowcount == 1, "the invite was not inserted"
        c.execute(
            "INSERT INTO outbox (id, invite_id, kind, recipient, link_seed, created_at, next_attempt_at) "
            "VALUES (?, ?, 'invite', ?, 'seed', ?, ?)",
            (str(uuid.uuid4()), invite, email, now, now + 10**12),
        )
        audit = (inviter, "bench@example.com", "127.0.0.1", "wrk", email, "role Analyst", invite)
        c.execute(
            "INSERT INTO audit_log (id, at, actor_id, actor_email, ip, user_agent, action, subject, detail, invite_id) "
            "VALUES (?, ?, ?, ?, ?, ?, 'invite_created', ?, ?, ?), (?, ?, ?, ?, ?, ?, 'email_queued', ?, ?, ?)",
            (str(uuid.uuid4()), now, *audit, str(uuid.uuid4()), now, *audit),
        )
        if i % per_commit == per_commit - 1 or i == n - 1:
            c.execute("COMMIT")
    elapsed = time.perf_counter() - start
    c.close()
    return n / elapsed


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    source, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    work = tempfile.mkdtemp(prefix="vestibule-floor.")
    try:
        as_built = os.path.join(work, "as-built.db")
        copy_db(source, as_built)
        print(f"creates, one commit each, schema as built: {creates_per_second(as_built, n):,.0f}/s")
        copy_db(source, as_built)
        print(f"creates, 16 per commit (group commit), schema as built: "
              f"{creates_per_second(as_built, n, per_commit=16):,.0f}/s")
        bare = os.path.join(work, "bare.db")
        copy_db(source, bare)
        c = connect(bare)
        for name in LIST_INDEXES:
            c.execute(f"DROP INDEX IF EXISTS {name}")
        for name in LIST_TRIGGERS:
            c.execute(f"DROP TRIGGER IF EXISTS {name}")
        c.close()
        print(f"creates, one commit each, without the list indexes, counters and trigram index: "
              f"{creates_per_second(bare, n):,.0f}/s")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
