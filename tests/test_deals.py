"""The deals table: one row per negotiation and party, consistent with the missions it started."""

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario, run
from sim.deals import DEAL_COLUMNS


@pytest.fixture(scope="module")
def result():
    return run(load_scenario("iss_era"), seed=3)


def test_columns_and_one_lead_row_per_negotiation(result):
    deals = result.deals
    assert list(deals.columns) == list(DEAL_COLUMNS)
    leads = deals[deals.role == "lead"]
    assert leads.deal_id.is_unique
    assert sorted(leads.deal_id) == list(range(len(leads)))  # numbered in order
    assert (deals.groupby("deal_id").agency.apply(lambda a: a.is_unique)).all()
    assert set(deals.role) <= {"lead", "member", "declined"}
    assert set(deals.outcome) == {"joint", "solo", "none"}
    assert (deals.year.diff().fillna(0) >= 0).all()  # negotiated year by year


def test_every_mission_begun_in_the_run_is_one_agreed_deal(result):
    m = result.missions
    begun = m[m.start_year >= 1993].set_index("mission_id")
    agreed = result.deals[(result.deals.role == "lead") & (result.deals.outcome != "none")]
    assert sorted(agreed.mission_id) == sorted(begun.index)
    assert (result.deals[result.deals.outcome == "none"].mission_id == -1).all()


def test_members_rows_carry_what_the_mission_records(result):
    m = result.missions.set_index("mission_id")
    rows = result.deals[result.deals.mission_id >= 0]
    for mission_id, deal in rows.groupby("mission_id"):
        mission = m.loc[mission_id]
        signed = list(mission.members) + list(mission.withdrawn)
        members = deal[deal.role != "declined"]
        assert sorted(members.agency) == sorted(signed)
        assert members.iloc[0].agency == mission.lead == deal.iloc[0].lead
        if mission.term_from != mission.start_year:
            continue  # a station renewed for a later term: its plan and costs are that term's
        if not len(mission.withdrawn) and not len(mission.paid_for):
            pays = dict(
                zip(mission.members, np.asarray(mission.shares) * mission.cost, strict=True)
            )
            assert members.set_index("agency").pays.to_dict() == pytest.approx(pays)
            rights = dict(zip(mission.members, mission.rights, strict=True))
            assert members.set_index("agency").rights_share.to_dict() == pytest.approx(rights)
        built = {b.split(":")[1] for b in mission.builders}
        with_elements = set(members[members.elements != ""].agency)
        assert with_elements == built
        assert (members.value > 0).all()  # nobody signs for nothing
        assert (members.value - members.pays >= members.outside_option - 1e-6).all()


def test_declined_parties_and_failed_talks_are_recorded(result):
    deals = result.deals
    declined = deals[deals.role == "declined"]
    assert len(declined) > 0
    assert (declined.pays == 0).all() and (declined.elements == "").all()
    assert (deals.outside_option >= 0).all()
    # talks that failed ended without a joint mission
    failed = deals[(deals.role == "lead") & deals.failed_talks]
    assert (failed.outcome != "joint").all()


def test_the_table_round_trips_through_parquet(result, tmp_path):
    from sim.run import to_arrow

    path = tmp_path / "deals.parquet"
    import pyarrow.parquet as pq

    pq.write_table(to_arrow(result.deals), path)
    pd.testing.assert_frame_equal(pq.read_table(path).to_pandas(), result.deals)
