"""Authentication is relayed untouched: the server decides, and the client sees the server's words."""
import asyncio
import subprocess

import asyncpg
import psycopg2
import pytest


@pytest.mark.parametrize("user", ["md5user", "scramuser"])
def test_password_users_log_in(target, user):
    conn = psycopg2.connect(target.dsn(user=user, password="secret"))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_user, session_user")
            assert cur.fetchone() == (user, user)
    finally:
        conn.close()


@pytest.mark.parametrize("user", ["md5user", "scramuser"])
def test_password_users_with_psql(target, user):
    out = subprocess.run(["psql", "-X", "-At", "-c", "SELECT current_user"], capture_output=True, text=True,
                         env=target.env(user, PGPASSWORD="secret"), timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"{user}\n"


@pytest.mark.parametrize("user", ["md5user", "scramuser"])
def test_wrong_password_gives_server_error(target, user):
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(target.dsn(user=user, password="wrong"))
    assert f'password authentication failed for user "{user}"' in str(info.value)

    async def main():
        with pytest.raises(asyncpg.exceptions.InvalidPasswordError) as ainfo:
            await asyncpg.connect(host=target.host, port=target.port, user=user, password="wrong",
                                  database="postgres", ssl=False)
        assert ainfo.value.sqlstate == "28P01"
        assert ainfo.value.args[0] == f'password authentication failed for user "{user}"'
    asyncio.run(main())


def test_missing_password_is_the_servers_demand(target):
    # libpq only learns a password is needed from the server's AuthenticationMD5Password request.
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(target.dsn(user="md5user", passfile="/dev/null"))
    assert "no password supplied" in str(info.value)


def test_rejected_role_gets_pg_hba_error(target):
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(target.dsn(user="rejected"))
    assert 'pg_hba.conf rejects connection for host "127.0.0.1", user "rejected", database "postgres"' \
        in str(info.value)

    async def main():
        with pytest.raises(asyncpg.exceptions.InvalidAuthorizationSpecificationError) as ainfo:
            await asyncpg.connect(host=target.host, port=target.port, user="rejected", database="postgres",
                                  ssl=False)
        assert ainfo.value.sqlstate == "28000"
    asyncio.run(main())


def test_unknown_user_gets_server_error(target):
    with pytest.raises(psycopg2.OperationalError) as info:
        psycopg2.connect(target.dsn(user="no_such_role_xyz"))
    assert 'role "no_such_role_xyz" does not exist' in str(info.value)

    async def main():
        with pytest.raises(asyncpg.exceptions.InvalidAuthorizationSpecificationError) as ainfo:
            await asyncpg.connect(host=target.host, port=target.port, user="no_such_role_xyz",
                                  database="postgres", ssl=False)
        assert ainfo.value.sqlstate == "28000"
        assert ainfo.value.args[0] == 'role "no_such_role_xyz" does not exist'
    asyncio.run(main())


def test_unknown_database_gets_server_error(target):
    async def main():
        with pytest.raises(asyncpg.exceptions.InvalidCatalogNameError) as ainfo:
            await asyncpg.connect(host=target.host, port=target.port, user="postgres",
                                  database="no_such_db_xyz", ssl=False)
        assert ainfo.value.sqlstate == "3D000"
        assert ainfo.value.args[0] == 'database "no_such_db_xyz" does not exist'
    asyncio.run(main())
