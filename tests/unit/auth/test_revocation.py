import os

from svc.auth.revocation import GenerationFile, Revocations, default_revocation_file


def test_a_bump_in_one_mapping_is_read_by_another(tmp_path):
    path = str(tmp_path / "var" / "auth.revoked")
    one, other = GenerationFile(path), GenerationFile(path)
    before = other.read()
    one.bump()
    assert other.read() == before + 1


def test_the_counter_survives_a_fork(tmp_path):
    revocations = Revocations(GenerationFile(str(tmp_path / "g")))
    pid = os.fork()
    if pid == 0:
        revocations.publish()
        os._exit(0)
    os.waitpid(pid, 0)
    assert revocations.generation() == 1


def test_the_default_file_is_beside_a_sqlite_database(tmp_path):
    assert default_revocation_file(f"sqlite:///{tmp_path}/svc.sqlite") == f"{tmp_path}/svc.sqlite.revoked"
    server = default_revocation_file("postgresql+psycopg://svc@db/svc")
    assert server.endswith(".revoked") and server == default_revocation_file("postgresql+psycopg://svc@db/svc")
