"""A backup is a PostgreSQL dump (plus the object store's buckets, docs/deploy/BACKUP.md):
restored into an empty database, ``manage.py ledger_audit`` finds nothing wrong there and
the same orders and ledger totals as in the database it was taken from."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from shop.orders.selectors.ledger_audit import ledger_problems, ledger_summary
from shop.payments.services import attempt_create, attempt_succeeded

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run(*command: str, env=None) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, f"{command[0]}: {done.stderr[-2000:]}"
    return done


def test_a_dump_restores_into_an_empty_database_with_its_orders_and_ledger_agreeing(placed, tmp_path):
    attempt = attempt_create(checkout=placed, gateway="card", provider="dev")
    attempt_succeeded(attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference="pi_backup")
    before = ledger_summary()
    assert ledger_problems() == [] and before["checkouts_paid"] == 1 and before["ledger_transactions"] >= 1

    source = connection.settings_dict
    server = ["-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432), "-U", source["USER"] or "postgres"]
    restored = f"{source['NAME']}_restored"
    dump = tmp_path / "soko.dump"
    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", *server, source["NAME"])
    run("dropdb", "--if-exists", *server, restored)
    run("createdb", *server, restored)
    try:
        run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", *server, str(dump))
        address = f"postgres://{server[5]}@{server[1]}:{server[3]}/{restored}"
        audit = run(
            sys.executable, str(settings.BASE_DIR / "manage.py"), "ledger_audit", "--json",
            env={**os.environ, "DATABASE_URL": address},
        )
        report = json.loads(audit.stdout)
    finally:
        run("dropdb", "--if-exists", *server, restored)
    assert report["problems"] == []
    assert report["summary"] == json.loads(json.dumps(before))


def test_the_audit_finds_a_payment_the_ledger_never_recorded(placed):
    attempt = attempt_create(checkout=placed, gateway="card", provider="dev")
    type(attempt).objects.filter(pk=attempt.pk).update(status="succeeded")
    assert ledger_problems() == [f"payment attempt {attempt.pk} succeeded but is not in the ledger"]
