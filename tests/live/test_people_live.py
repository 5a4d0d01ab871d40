"""Live updates reach every customer who may see the case, and nobody else."""

from portal import live
from portal.models import Sharing
from portal.services import cases, organisations, participants
from tests import factories


def test_public_changes_reach_colleagues_and_entitled_members_lists_not_others():
    johnson, clerk, ben, stranger = (factories.customer() for _ in range(4))
    org = organisations.create(None, "Johnson Hardware", "", False, Sharing.ALL)
    for member in (johnson, ben):
        organisations.add_member(org, None, member.email)
    case = factories.case(johnson)
    participants.add(case, johnson, clerk.email)
    lists = {p.id: live.listen([live.customer_channel(p.id)], timeout=0.01)
             for p in (johnson, clerk, ben, stranger)}
    agent = factories.staff(departments=[case.department])
    cases.add_staff_reply(case, agent, "Only for us", internal=True)
    assert all(next(heard) is None for heard in lists.values())  # internal: no customer hears
    cases.add_staff_reply(case, agent, "Your terms are agreed.")
    for person in (johnson, clerk, ben):
        assert next(lists[person.id])["reference"] == case.reference
    assert next(lists[stranger.id]) is None
    for heard in lists.values():
        heard.close()
