import pytest

from svc.fetch.errors import FetchLoop
from svc.fetch.loops import MAX_MARKS, LoopGuard, deployment_marks
from svc.fetch.problems import problem_of
from svc.web.settings import SettingError

SECRET = "s" * 48


class TestDeploymentMark:
    def test_every_process_sharing_the_secret_shares_the_mark(self, tmp_path):
        path = tmp_path / "secret"
        path.write_text(SECRET + "\n")
        (inline,) = deployment_marks({"svc.auth.secret": SECRET})
        assert (inline,) == deployment_marks({"svc.auth.secret": "", "svc.auth.secret_file": str(path)})
        assert inline.startswith("svc-") and len(inline) == 36 and SECRET[:8] not in inline
        assert (inline,) != deployment_marks({"svc.auth.secret": "t" * 48})

    def test_a_rotated_secret_marks_with_the_new_and_knows_the_old(self, tmp_path):
        path = tmp_path / "secret"
        path.write_text("n" * 48 + "\n" + SECRET + "\n")
        (old,) = deployment_marks({"svc.auth.secret": SECRET})
        rotated = deployment_marks({"svc.auth.secret_file": str(path)})
        assert rotated[1] == old and rotated[0] != old
        guard = LoopGuard(rotated)
        assert guard.outgoing_via(None) == f"1.1 {rotated[0]}"
        with pytest.raises(FetchLoop):  # an unrotated sibling's fetch during a rolling restart
            guard.outgoing_via(f"1.1 {old}")

    def test_without_a_secret_each_process_has_its_own(self):
        assert deployment_marks({}) != deployment_marks({"svc.auth.secret_file": ""})

    def test_an_unreadable_secret_file_fails_at_start_up(self, tmp_path):
        with pytest.raises(SettingError, match="svc.auth.secret_file"):
            deployment_marks({"svc.auth.secret_file": str(tmp_path / "missing")})


class TestLoopGuard:
    ours, theirs = "svc-" + "a" * 32, "svc-" + "b" * 32
    guard = LoopGuard((ours,))

    @pytest.mark.parametrize(
        "via",
        [f"1.1 {ours}", f"1.1 proxy, 1.1 {ours}", f"HTTP/1.1 {ours} (comment)", f"1.1 {theirs},1.0 {ours}"],
    )
    def test_our_mark_anywhere_is_a_loop(self, via):
        with pytest.raises(FetchLoop) as caught:
            self.guard.outgoing_via(via)
        problem = problem_of(caught.value)
        assert problem.status == 508 and problem.slug == "fetch-loop"

    def test_other_svc_marks_are_passed_on_and_nothing_else(self):
        via = f"1.1 corporate-proxy, 1.1 {self.theirs}, 1.1 svc-not-a-mark"
        assert self.guard.outgoing_via(via) == f"1.1 {self.theirs}, 1.1 {self.ours}"
        assert self.guard.outgoing_via(None) == f"1.1 {self.ours}"

    def test_a_chain_of_too_many_svc_hops_is_a_loop(self):
        via = ", ".join(f"1.1 svc-{i:032x}" for i in range(MAX_MARKS))
        with pytest.raises(FetchLoop):
            self.guard.outgoing_via(via)
