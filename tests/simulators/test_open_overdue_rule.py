"""The simulator judges open dossiers at a period end by the warehouse's rule (macro open_overdue_at):
the same six cases as dbt unit test `ii06a_open_at_period_end`, so the generator's buckets and the
marts cannot drift apart. Sources: report form II.06a ("trong hạn, bao gồm cả hồ sơ chờ bổ sung");
Decision 766 formula 2.1 (more than one supplement request is late)."""

import numpy as np

from simulators.world.lifecycle import Lifecycles, open_overdue_at

NAT_S, NAT_D = np.datetime64("NaT", "s"), np.datetime64("NaT", "D")

# name: (due0, due1, req1, res1, req2, overdue at 31 Mar 2024)
CASES = {
    "waiting_at_end": ("2024-03-07", "2024-04-18", "2024-03-06T10:00", "2024-04-05T14:00", None, False),
    "waiting_requested_late": ("2024-03-07", "2024-04-18", "2024-03-08T10:00", "2024-04-05T14:00", None, True),
    "answered_extended": ("2024-03-07", "2024-04-02", "2024-03-05T10:00", "2024-03-20T14:00", None, False),
    "second_request": ("2024-03-07", "2024-04-10", "2024-03-05T10:00", "2024-03-06T14:00", "2024-03-25T10:00", True),
    "second_request_later": ("2024-03-07", "2024-04-02", "2024-03-05T10:00", "2024-03-20T14:00",
                             "2024-04-10T10:00", False),
    "plain_overdue": ("2024-03-07", None, None, None, None, True),
    "plain_within": ("2024-04-01", None, None, None, None, False),
    "no_due_date": (None, None, None, None, None, False),
}


def _days(values):
    return np.array([np.datetime64(v, "D") if v else NAT_D for v in values])


def _times(values):
    return np.array([np.datetime64(v, "s") if v else NAT_S for v in values])


def test_open_dossiers_at_period_end_follow_the_warehouse_rule():
    cols = list(zip(*CASES.values(), strict=True))
    n = len(CASES)
    nat = np.full(n, NAT_S)
    life = Lifecycles(submitted=nat, received=nat, due0=_days(cols[0]), due1=_days(cols[1]), due=_days(cols[0]),
                      req1=_times(cols[2]), res1=_times(cols[3]), req2=_times(cols[4]), res2=nat, finish=nat,
                      returned=nat, outcome=np.full(n, 4))
    got = open_overdue_at(life, np.datetime64("2024-03-31"))
    assert dict(zip(CASES, got.tolist(), strict=True)) == {name: case[-1] for name, case in CASES.items()}
