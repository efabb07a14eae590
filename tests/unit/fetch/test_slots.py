import pytest

from svc.fetch.errors import TooManyFetches
from svc.fetch.problems import problem_of
from svc.fetch.slots import CallerSlots, SlotHoldingBody


def test_a_caller_past_the_cap_is_refused_and_others_are_not():
    slots = CallerSlots(2)
    first, second = slots.take("alice"), slots.take("alice")
    with pytest.raises(TooManyFetches) as caught:
        slots.take("alice")
    problem = problem_of(caught.value)
    assert problem.status == 429 and problem.headers["Retry-After"] == "1"
    slots.take("bob")
    first()
    first()  # giving back twice frees one slot, not two
    slots.take("alice")
    with pytest.raises(TooManyFetches):
        slots.take("alice")
    second()


def test_the_body_gives_the_slot_back_when_closed():
    slots = CallerSlots(1)
    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    body = SlotHoldingBody(Body([b"a", b"b"]), slots.take("alice"))
    assert b"".join(body) == b"ab"
    body.close()
    assert closed == [True]
    slots.take("alice")
